"""The expert's blind-review pages and API: the opinion and score per dossier before the vote, through the
one service (committee.opinions), refused after the vote and for anyone but the assigned expert."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.models import AuditEvent
from committee.models import ExpertOpinion
from committee.services import expert_assign
from dossiers.models import Dossier
from dossiers.states import PASSED
from tests.committee.stage import make_expert, received_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(stage_round, orgs, office):
    dossier = received_dossier(stage_round, _a_unit(orgs))
    expert = make_expert(orgs["BZ"])
    return expert_assign(actor=office, dossier=dossier, expert=expert.user)


def _a_unit(orgs):
    from accounts.models import Organization

    return next(o for o in orgs.values() if o.kind == Organization.Kind.UNIT)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_expert_writes_and_revises_an_opinion_on_the_page(assigned) -> None:
    client = _as(assigned.expert)
    page = client.get(f"/committee/review/{assigned.pk}/")
    assert page.status_code == 200
    assert "提交评审意见" in page.content.decode()
    url = f"/committee/review/{assigned.pk}/opinion/"
    response = client.post(url, {"opinion": "业绩突出，论文质量较好。", "score": "86.5"})
    assert response.status_code == 302
    saved = ExpertOpinion.objects.get(assignment=assigned)
    assert (saved.opinion, str(saved.score)) == ("业绩突出，论文质量较好。", "86.50")
    followed = client.get(response["Location"]).content.decode()
    assert "86.50 分" in followed and "修改评审意见" in followed
    client.post(url, {"opinion": "复核后维持意见。", "score": "80"})
    assert ExpertOpinion.objects.get(assignment=assigned).score == 80
    audits = AuditEvent.objects.filter(action="opinion_submitted").order_by("pk")
    assert [e.extra["revised"] for e in audits] == [False, True]
    listing = client.get("/committee/review/").content.decode()
    assert assigned.pseudonym in listing and "已填写（80.00 分）" in listing


def test_bad_input_is_shown_beside_the_form_and_the_text_is_kept(assigned) -> None:
    client = _as(assigned.expert)
    response = client.post(f"/committee/review/{assigned.pk}/opinion/", {"opinion": "只写了意见", "score": "120"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "只写了意见" in body and "100" in body
    assert not ExpertOpinion.objects.filter(assignment=assigned).exists()


def test_after_the_vote_the_opinion_is_closed(assigned) -> None:
    Dossier.objects.filter(pk=assigned.dossier_id).update(status=PASSED)
    client = _as(assigned.expert)
    page = client.get(f"/committee/review/{assigned.pk}/").content.decode()
    assert "评审意见不能再修改" in page and "提交评审意见" not in page
    response = client.post(f"/committee/review/{assigned.pk}/opinion/", {"opinion": "迟到的意见", "score": "90"})
    assert response.status_code == 302  # back to the page with the refusal as a message
    assert "评审意见不能再修改" in client.get(response["Location"]).content.decode()
    api = client.put(
        f"/api/committee/review/assignments/{assigned.pk}/opinion",
        data=json.dumps({"opinion": "迟到的意见", "score": 90}),
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["code"] == "illegal_transition"
    assert not ExpertOpinion.objects.exists()


def test_the_api_takes_the_same_opinion_with_typed_errors(assigned) -> None:
    client = _as(assigned.expert)
    url = f"/api/committee/review/assignments/{assigned.pk}/opinion"
    bad = client.put(url, data=json.dumps({"opinion": " ", "score": 50}), content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_input" and bad.json()["details"] == {"field": "opinion"}
    ok = client.put(url, data=json.dumps({"opinion": "同意推荐", "score": 75}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["opinion"] == {"opinion": "同意推荐", "score": 75}
    detail = client.get(f"/api/committee/review/assignments/{assigned.pk}").json()
    assert detail["opinion"]["opinion"] == "同意推荐" and detail["opinion_closed"] == ""


def test_nobody_else_reads_or_writes_the_assignment(assigned, orgs, demo_users) -> None:
    other = make_expert(orgs["BZ"]).user
    for user in (other, demo_users["demo_prefecture"], assigned.dossier.applicant):
        client = _as(user)
        assert client.get(f"/committee/review/{assigned.pk}/").status_code == 404
        assert (
            client.post(f"/committee/review/{assigned.pk}/opinion/", {"opinion": "x", "score": "1"}).status_code == 404
        )
        api = client.put(
            f"/api/committee/review/assignments/{assigned.pk}/opinion",
            data=json.dumps({"opinion": "x", "score": 1}),
            content_type="application/json",
        )
        assert api.status_code == 404 and api.json()["code"] == "not_found"
    assert not ExpertOpinion.objects.exists()
    assert Client().get("/committee/review/").status_code == 302  # to the login page


def test_the_experts_menu_leads_to_the_review_pages(assigned) -> None:
    home = _as(assigned.expert).get("/committee/review/").content.decode()
    assert 'href="/committee/review/"' in home
