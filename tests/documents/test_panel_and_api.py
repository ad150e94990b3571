"""The documents panel on the dossier page, stored-file downloads and the JSON API, with their refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from documents.models import DocumentKind, GeneratedDocument
from documents.selectors import committee_dossiers, has_reached_committee
from documents.services import publicity_notice_generate
from dossiers.models import Dossier
from tests.documents.conftest import make_dossier, walk_to
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db


def _panel(user, dossier) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load documents_panels %}{% documents_dossier_panel dossier %}")
    return template.render(Context({"dossier": dossier, "request": request}))


def test_panel_for_the_applicant_follows_the_status(draft_dossier):
    html = _panel(draft_dossier.applicant, draft_dossier)
    assert 'id="evaluation-form-waiting"' in html
    assert reverse("documents:evaluation_form", args=[draft_dossier.pk]) not in html
    assert reverse("documents:commitment", args=[draft_dossier.pk]) in html
    assert reverse("documents:ce_exemption", args=[draft_dossier.pk]) not in html  # not exempt

    received = walk_to(draft_dossier)
    html = _panel(received.applicant, received)
    assert reverse("documents:evaluation_form", args=[received.pk]) in html


def test_panel_lists_the_publicity_documents_and_hides_from_outsiders(draft_dossier, demo_users):
    dossier = walk_to(draft_dossier, "unit_review")
    notice = publicity_notice_generate(
        dossier=dossier, start=dt.date(2023, 8, 21), end=dt.date(2023, 8, 25), contact="人事科 0996-2024500",
        actor=demo_users["demo_unit"],
    )  # fmt: skip
    docx_copy = GeneratedDocument.objects.get(kind=DocumentKind.PUBLICITY_NOTICE, file_format="docx")
    for viewer in ("demo_applicant", "demo_unit", "demo_county"):
        html = _panel(demo_users[viewer], dossier)
        assert reverse("documents:download", args=[notice.pk]) in html, viewer
        assert reverse("documents:download", args=[docx_copy.pk]) in html, viewer
    for outsider in ("demo_applicant2", "demo_unit_qm", "demo_expert"):
        assert _panel(demo_users[outsider], dossier).strip() == "", outsider


def test_stored_file_download_is_scoped(draft_dossier, demo_users, client):
    dossier = walk_to(draft_dossier, "unit_review")
    notice = publicity_notice_generate(
        dossier=dossier,
        start=dt.date(2023, 8, 21),
        end=dt.date(2023, 8, 25),
        contact="人事科",
        actor=demo_users["demo_unit"],
    )
    url = reverse("documents:download", args=[notice.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(demo_users["demo_applicant"])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    for outsider in ("demo_applicant2", "demo_unit_qm", "demo_county_qm", "demo_expert"):
        client.force_login(demo_users[outsider])
        assert client.get(url).status_code == 404, outsider
        assert client.get(f"/api/documents/files/{notice.pk}").status_code == 404, outsider


def test_api_downloads_and_refusals(draft_dossier, demo_users, client):
    client.force_login(draft_dossier.applicant)
    listing = client.get(f"/api/documents/dossiers/{draft_dossier.pk}/downloads")
    assert listing.status_code == 200
    assert listing.json()["evaluation_form_allowed"] is False
    refused = client.get(f"/api/documents/dossiers/{draft_dossier.pk}/evaluation-form")
    assert refused.status_code == 400
    assert refused.json()["code"] == "document_unavailable" and "评审委员会已接收材料" in refused.json()["message"]
    commitment = client.get(f"/api/documents/dossiers/{draft_dossier.pk}/commitment")
    assert commitment.status_code == 200 and b"".join(commitment.streaming_content).startswith(b"%PDF")

    walk_to(draft_dossier)
    assert client.get(f"/api/documents/dossiers/{draft_dossier.pk}/downloads").json()["evaluation_form_allowed"] is True
    form = client.get(f"/api/documents/dossiers/{draft_dossier.pk}/evaluation-form")
    assert form.status_code == 200 and form["Content-Type"] == "application/pdf"

    client.force_login(demo_users["demo_applicant2"])
    other = client.get(f"/api/documents/dossiers/{draft_dossier.pk}/evaluation-form")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    client.logout()
    assert client.get(f"/api/documents/dossiers/{draft_dossier.pk}/downloads").status_code == 401


def test_officer_pages_refuse_applicants_and_experts(client, demo_users):
    for username in ("demo_applicant", "demo_expert"):
        client.force_login(demo_users[username])
        for name in ("documents:roster", "documents:batches"):
            response = client.get(reverse(name))
            assert response.status_code == 403, (username, name)
            assert "审核人员" in response.content.decode()


def test_reached_committee_reads_each_dossiers_own_history(open_round, orgs, demo_users):
    """At the committee now, or past it (passed, certificate…) after a 评审委员会已接收材料 transition of its own;
    never when back with the applicant or ended before it, and never from another dossier's history."""

    def new() -> Dossier:
        applicant = give_role(UserFactory.create(), Role.APPLICANT, orgs["U-KRLJT"])
        return make_dossier(round_=open_round, applicant=applicant, unit=orgs["U-KRLJT"])

    draft, at_prefecture = new(), walk_to(new(), "prefecture_review")
    received, passed, returned_after = walk_to(new()), walk_to(new()), walk_to(new())
    Dossier.objects.filter(pk=passed.pk).update(status="passed")
    Dossier.objects.filter(pk=returned_after.pk).update(status="returned")
    # A later state without a committee transition of its own (state set directly): not at the committee.
    Dossier.objects.filter(pk=at_prefecture.pk).update(status="passed")
    expected = {received.pk, passed.pk}
    for dossier in (draft, at_prefecture, received, passed, returned_after):
        assert has_reached_committee(Dossier.objects.get(pk=dossier.pk)) is (dossier.pk in expected), dossier.status
    assert set(committee_dossiers(open_round, None).values_list("pk", flat=True)) == expected
