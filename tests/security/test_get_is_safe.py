"""Issue 11 point 9: a GET creates or changes nothing — files are made once per content version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from documents.models import DocumentKind, GeneratedDocument
from tests.documents.conftest import walk_to

pytestmark = pytest.mark.django_db

ROUTES = [
    ("documents:evaluation_form", "/api/documents/dossiers/{pk}/evaluation-form", DocumentKind.EVALUATION_FORM),
    ("documents:commitment", "/api/documents/dossiers/{pk}/commitment", DocumentKind.COMMITMENT),
    ("documents:ce_exemption", "/api/documents/dossiers/{pk}/ce-exemption", DocumentKind.CE_EXEMPTION),
]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("page", "api", "kind"), ROUTES)
def test_repeated_gets_store_one_file_and_audit_once(draft_dossier, client, page, api, kind):
    dossier = walk_to(draft_dossier)
    client.force_login(dossier.applicant)
    first = _body(client.get(reverse(page, args=[dossier.pk])))
    events = AuditEvent.objects.count()
    for _ in range(3):
        assert _body(client.get(reverse(page, args=[dossier.pk]))) == first
        assert _body(client.get(api.format(pk=dossier.pk))) == first
    assert GeneratedDocument.objects.filter(dossier=dossier, kind=kind).count() == 1
    assert AuditEvent.objects.count() == events  # nothing new written by the repeated GETs


def test_a_get_never_marks_a_printed_form_not_latest(draft_dossier, client, demo_users):
    dossier = walk_to(draft_dossier)
    client.force_login(dossier.applicant)
    client.get(reverse("documents:evaluation_form", args=[dossier.pk]))
    printed = GeneratedDocument.objects.get(dossier=dossier, kind=DocumentKind.EVALUATION_FORM)
    # Others of the chain print it too; the applicant's paper copy stays the latest print.
    for username in ("demo_unit", "demo_county", "demo_prefecture"):
        client.force_login(demo_users[username])
        client.get(reverse("documents:evaluation_form", args=[dossier.pk]))
    verdict = client.get(f"/api/documents/verify/{printed.verification_code}").json()
    assert verdict["is_latest_print"] is True
    assert GeneratedDocument.objects.filter(dossier=dossier, kind=DocumentKind.EVALUATION_FORM).count() == 1


def test_changed_content_makes_a_new_version(draft_dossier, client):
    dossier = walk_to(draft_dossier)
    client.force_login(dossier.applicant)
    url = reverse("documents:commitment", args=[dossier.pk])
    before = _body(client.get(url))
    section = dossier.sections.get(key="basic_info")
    section.data = {**section.data, "name": "李建军"}
    section.save()
    after = _body(client.get(url))
    assert before != after
    assert GeneratedDocument.objects.filter(dossier=dossier, kind=DocumentKind.COMMITMENT).count() == 2


@pytest.mark.parametrize(("page", "api", "kind"), ROUTES)
def test_pdf_routes_answer_404_for_absent_and_not_yours(draft_dossier, client, demo_users, page, api, kind):
    dossier = walk_to(draft_dossier)
    client.force_login(demo_users["demo_applicant2"])
    for pk in (dossier.pk, dossier.pk + 10_000):
        assert client.get(reverse(page, args=[pk])).status_code == 404
        assert client.get(api.format(pk=pk)).status_code == 404
    assert not GeneratedDocument.objects.exists()
