"""The meeting (人社部令第40号): quorum of 2/3 of the members, secret ballot, one vote per present expert,
pass with yes ≥ 2/3 of those present, no proxy or late votes; minutes sealed and checked; then results
publicity, objections, re-check, confirmation, certificates; and a fraud finding's ban."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from committee.certificates import certificate_by_number, certificate_document, certificate_issue
from committee.defence import defence_outcomes_settle
from committee.draws import committee_draw
from committee.fees import fee_for, fee_payment_record
from committee.fraud import fraud_case_record
from committee.meetings import (
    attendance_record,
    ballot_cast,
    meeting_create,
    minutes_correct,
    minutes_seal,
    minutes_verify,
    vote_count,
    voting_open,
)
from committee.models import Ballot, BallotCast, CommitteeMember, Minutes
from committee.paper import paper_receipt_record
from committee.results import (
    objection_record,
    objection_resolve,
    recheck_answer,
    recheck_request,
    results_confirm,
    results_publicity_end,
    results_publicity_start,
)
from core.errors import (
    AlreadyRecorded,
    IllegalTransition,
    OutsideWindow,
    PermissionDenied,
    QuorumNotMet,
    RecordSealed,
    VotingClosed,
)
from dossiers.models import Dossier
from eligibility.models import FraudFinding
from eligibility.selectors import dossier_self_check
from tests.committee.stage import received_dossier


def ready(dossier: Dossier, office, today: dt.date) -> Dossier:
    fee_payment_record(actor=office, fee=fee_for(dossier), paid_on=today, method="cash")
    paper_receipt_record(actor=office, dossier=dossier, received_on=today)
    return dossier


@pytest.fixture
def setting(stage_round, orgs, office, experts, today):
    """Nine committee members; two junior dossiers (exempt, nobody defends → passing) ready for the vote."""
    dossiers = [received_dossier(stage_round, orgs["U-KRLJT"], level="junior") for _ in range(2)]
    for dossier in dossiers:
        ready(dossier, office, today)
    defence_outcomes_settle(actor=office, round_=stage_round)
    committee_draw(actor=office, round_=stage_round, size=9, seed="m")
    members = [m.expert for m in CommitteeMember.objects.filter(round=stage_round).order_by("expert_id")]
    meeting = meeting_create(actor=office, round_=stage_round, held_on=today, place="州评委会会议室", dossiers=dossiers)
    return {"meeting": meeting, "dossiers": dossiers, "members": members}


def open_with(setting, office, present: int):
    attendance_record(
        actor=office, meeting=setting["meeting"], present_expert_ids={e.pk for e in setting["members"][:present]}
    )
    return voting_open(actor=office, meeting=setting["meeting"])


def vote(setting, dossier, yes: int, no: int, abstain: int = 0) -> None:
    choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    for expert, choice in zip(setting["members"], choices, strict=False):
        ballot_cast(actor=expert.user, meeting=setting["meeting"], dossier=dossier, choice=choice)


def test_a_dossier_not_ready_cannot_go_to_the_vote(stage_round, orgs, office, experts, today):
    committee_draw(actor=office, round_=stage_round, size=9)
    unpaid = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    with pytest.raises(IllegalTransition, match="纸质评审表未收到、评审费未缴、答辩结果未确定"):
        meeting_create(actor=office, round_=stage_round, held_on=today, place="x", dossiers=[unpaid])


def test_quorum_one_short_refuses_the_vote(setting, office):
    with pytest.raises(QuorumNotMet, match=r"出席 5 人.*需至少 6 人"):
        open_with(setting, office, present=5)
    meeting = open_with(setting, office, present=6)
    assert meeting.voting_opened_at is not None
    with pytest.raises(VotingClosed):
        attendance_record(actor=office, meeting=meeting, present_expert_ids=set())


def test_yes_one_short_of_two_thirds_of_present_fails(setting, office):
    open_with(setting, office, present=7)  # needs 5 yes of 7 present
    failing, passing = setting["dossiers"]
    vote(setting, failing, yes=4, no=2, abstain=1)
    vote(setting, passing, yes=5, no=2)
    first = vote_count(actor=office, meeting=setting["meeting"], dossier=failing)
    second = vote_count(actor=office, meeting=setting["meeting"], dossier=passing)
    assert (first.present, first.yes, first.no, first.abstain, first.passed) == (7, 4, 2, 1, False)
    assert (second.yes, second.passed) == (5, True)
    failing.refresh_from_db()
    passing.refresh_from_db()
    assert (failing.status, passing.status) == ("not_passed", "passed")


def test_one_secret_vote_per_present_expert_no_proxy_no_late_vote(setting, office, demo_users):
    open_with(setting, office, present=6)
    meeting, dossier = setting["meeting"], setting["dossiers"][0]
    members = setting["members"]
    ballot_cast(actor=members[0].user, meeting=meeting, dossier=dossier, choice="yes")
    with pytest.raises(AlreadyRecorded):
        ballot_cast(actor=members[0].user, meeting=meeting, dossier=dossier, choice="no")
    with pytest.raises(PermissionDenied, match="不得委托"):
        ballot_cast(actor=members[8].user, meeting=meeting, dossier=dossier, choice="yes")  # absent
    with pytest.raises(PermissionDenied):
        ballot_cast(actor=office, meeting=meeting, dossier=dossier, choice="yes")  # not an expert: no proxy
    vote_count(actor=office, meeting=meeting, dossier=dossier)
    with pytest.raises(VotingClosed):
        ballot_cast(actor=members[1].user, meeting=meeting, dossier=dossier, choice="yes")  # late
    # Secrecy: the ballot row holds no voter, time or sequence; the audit says "voted", never the choice.
    assert {f.name for f in Ballot._meta.get_fields()} == {"id", "meeting", "dossier", "choice"}
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    assert {f.name for f in BallotCast._meta.get_fields()} == {"id", "meeting", "dossier", "expert"}
    voted = AuditEvent.objects.get(action="voted")
    assert "choice" not in voted.extra and "yes" not in str(voted.extra)


def test_minutes_are_sealed_verified_and_corrected_only_by_a_new_record(setting, office):
    open_with(setting, office, present=6)
    with pytest.raises(IllegalTransition, match="未计票"):
        minutes_seal(actor=office, meeting=setting["meeting"])
    for dossier in setting["dossiers"]:
        vote(setting, dossier, yes=6, no=0)
        vote_count(actor=office, meeting=setting["meeting"], dossier=dossier)
    minutes = minutes_seal(actor=office, meeting=setting["meeting"])
    assert len(minutes.content["attendees"]) == 6 and len(minutes.content["absent"]) == 3
    assert [d["yes"] for d in minutes.content["dossiers"]] == [6, 6]
    assert minutes_verify(minutes)
    sealed_content = copy.deepcopy(minutes.content)
    minutes.content["dossiers"][0]["yes"] = 2
    with pytest.raises(RecordSealed):
        minutes.save()
    with pytest.raises(RecordSealed):
        minutes_seal(actor=office, meeting=setting["meeting"])
    # Tampering behind the service's back is caught by the stored hash.
    Minutes.objects.filter(pk=minutes.pk).update(content={**sealed_content, "place": "别处"})
    assert not minutes_verify(minutes)
    Minutes.objects.filter(pk=minutes.pk).update(content=sealed_content)
    original = Minutes.objects.get(pk=minutes.pk)
    content = {**original.content, "place": "州评委会第二会议室"}
    corrected = minutes_correct(actor=office, minutes=original, content=content, reason="会议地点记录有误")
    assert corrected.corrects == original and minutes_verify(corrected) and minutes_verify(original)
    with pytest.raises(RecordSealed):
        minutes_correct(actor=office, minutes=original, content=content, reason="再次更正")


def test_results_publicity_counts_working_days(stage_round):
    # 2023-09-28 (Thu) + 国庆/中秋: working days 09-28, 10-07, 10-08 (调休), 10-09, 10-10.
    assert results_publicity_end(stage_round, dt.date(2023, 9, 28)) == dt.date(2023, 10, 10)


def test_results_objections_recheck_confirmation_and_certificate(
    setting, office, today, client, django_capture_on_commit_callbacks
):
    open_with(setting, office, present=6)
    passed, failed = setting["dossiers"]
    vote(setting, passed, yes=6, no=0)
    vote(setting, failed, yes=3, no=3)
    for dossier in (passed, failed):
        vote_count(actor=office, meeting=setting["meeting"], dossier=dossier)
    minutes_seal(actor=office, meeting=setting["meeting"])
    publicity = results_publicity_start(actor=office, round_=passed.round, starts_on=today)
    failed.refresh_from_db()
    passed.refresh_from_db()
    objection = objection_record(
        actor=office, publicity=publicity, dossier=passed, received_on=today, content="业绩存疑"
    )
    request = recheck_request(
        actor=failed.applicant, publicity=publicity, dossier=failed, reason="请求复查表决程序", today=today
    )
    with pytest.raises(PermissionDenied):
        recheck_request(actor=passed.applicant, publicity=publicity, dossier=failed, reason="x", today=today)
    after = publicity.ends_on + dt.timedelta(days=1)
    with pytest.raises(OutsideWindow):
        results_confirm(actor=office, publicity=publicity, today=today)
    with pytest.raises(IllegalTransition, match="2 件"):
        results_confirm(actor=office, publicity=publicity, today=after)
    with pytest.raises(IllegalTransition, match="公示结束并确认"):
        certificate_issue(actor=office, dossier=passed)
    objection_resolve(actor=office, objection=objection, resolution="经核查，业绩属实，异议不成立。")
    recheck_answer(actor=office, request=request, answer="经复查，表决程序合规，维持原结果。")
    results_confirm(actor=office, publicity=publicity, today=after)

    with pytest.raises(IllegalTransition, match="评审未通过"):
        certificate_issue(actor=office, dossier=failed)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificate_issue(actor=office, dossier=passed)
    assert certificate.number == f"BZGL-{passed.round.year}-0001"
    passed.refresh_from_db()
    assert passed.status == "certificate_issued"
    document = certificate_document(certificate)
    assert document.file.read().startswith(b"%PDF")
    assert certificate_by_number(certificate.number.lower()) == certificate
    page = client.get(reverse("documents:verify", args=[certificate.verification_code]))
    assert page.status_code == 200
    assert "专业技术职务任职资格证书" in page.content.decode() and certificate.number in page.content.decode()


def test_fraud_finding_cancels_the_application_and_bans_through_eligibility(stage_round, orgs, office):
    dossier = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")
    assert next(c for c in dossier_self_check(dossier).checks if c.rule == "fraud_ban").passed
    finding = fraud_case_record(actor=office, dossier=dossier, evidence="学历证书经学信网核验为伪造")
    dossier.refresh_from_db()
    assert dossier.status == "cancelled"
    assert FraudFinding.objects.get() == finding and finding.round_year == stage_round.year
    assert finding.dossier == dossier and finding.evidence
    check = next(c for c in dossier_self_check(dossier).checks if c.rule == "fraud_ban")
    assert not check.passed and f"最早可于 {stage_round.year + 4} 年申报" in check.reason
