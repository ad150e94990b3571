"""The demo's committee stage: after seed_demo a newcomer finds dossiers at every committee step, the office
and the experts have work waiting today, and every record came through the committee's steps."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent, User
from committee.models import (
    BallotCast,
    Certificate,
    DefenceOutcome,
    Draw,
    ExpertAssignment,
    Fee,
    Meeting,
    Minutes,
    RecheckRequest,
    ResultsPublicity,
)
from demo.committee import COMMITTEE_ROUND
from dossiers.models import Dossier

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_every_committee_step_has_a_demo_dossier_and_work_waits_today():
    call_command("seed_demo")
    by_user = {d.applicant.username: d for d in Dossier.objects.filter(round__slug=COMMITTEE_ROUND)}
    assert by_user["demo_c_fee"].fee.paid_at is None
    assert not hasattr(by_user["demo_c_paper"], "paper_receipt") and by_user["demo_c_paper"].fee.is_paid
    assert DefenceOutcome.objects.get(dossier=by_user["demo_c_defence"]).basis == "pending"
    exempt = DefenceOutcome.objects.get(dossier=by_user["demo_c_exempt"])
    assert exempt.basis == "exempt_average" and exempt.score is not None and exempt.score > Decimal(60)
    live = Meeting.objects.get(round__slug=COMMITTEE_ROUND, voting_opened_at__isnull=False, minutes__isnull=True)
    assert set(live.items.values_list("dossier__applicant__username", flat=True)) == {"demo_c_vote1", "demo_c_vote2"}
    assert not BallotCast.objects.filter(meeting=live, expert__user__username="demo_expert").exists()
    assert (
        by_user["demo_c_cert"].status == "certificate_issued"
        and Certificate.objects.filter(dossier=by_user["demo_c_cert"]).exists()
    )
    assert by_user["demo_c_passed"].status == "passed"
    failed = by_user["demo_c_failed"]
    assert failed.status == "not_passed" and failed.vote_counts.get().yes == 4  # one short of 5 (2/3 of 7)
    assert RecheckRequest.objects.get(dossier=failed).answered_at is None
    assert ResultsPublicity.objects.filter(round__slug=COMMITTEE_ROUND, confirmed_at__isnull=True).count() == 1
    assert all(m.intact for m in Minutes.objects.all()) and Minutes.objects.count() == 2
    skipped = Draw.objects.get(round__slug=COMMITTEE_ROUND, purpose="group").skipped
    assert skipped and "同一单位" in skipped[0]["reason"]
    assert ExpertAssignment.objects.filter(
        expert__username="demo_expert", dossier__round__slug=COMMITTEE_ROUND
    ).exists()
    assert Fee.objects.filter(dossier__round__slug=COMMITTEE_ROUND).count() == 9
    assert AuditEvent.objects.filter(action="voted").exists()
    # The office, the experts and the applicants find their work on their pages.
    office = _client("demo_prefecture")
    board = office.get(reverse("committee:board", args=[COMMITTEE_ROUND])).content.decode()
    for step in ("待缴费", "待收纸质评审表", "待答辩", "待表决", "评审通过", "评审未通过", "已发放证书"):
        assert f'data-step="{step}"' in board, step
    expert = _client("demo_expert").get(reverse("committee:vote")).content.decode()
    assert "ballot-form" in expert and "my-defence-sessions" in expert
    applicant = _client("demo_c_failed")
    failed = Dossier.objects.get(applicant__username="demo_c_failed")
    page = applicant.get(reverse("dossiers:detail", args=[failed.pk])).content.decode()
    assert "评审未通过" in page and "等待办公室答复" in page
