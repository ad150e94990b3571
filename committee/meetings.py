"""The committee meeting and its vote (人社部令第40号).

- valid only when ≥ quorum (2/3) of the committee's members attend — attendance is recorded, then frozen
  when voting opens;
- each present expert votes once per dossier, in person (no proxy), by secret ballot, while the dossier's
  vote is open (no late votes: the count closes it);
- a dossier passes with yes votes ≥ pass_ratio (2/3) of the experts present;
- the minutes are generated and sealed with their sha256; a correction is a new record linked to the old.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from committee.models import (
    Attendance,
    Ballot,
    BallotCast,
    CommitteeMember,
    DefenceOutcome,
    ExpertAssignment,
    Fee,
    Meeting,
    MeetingItem,
    Minutes,
    PaperReceipt,
    VoteCount,
)
from committee.models.meetings import content_digest
from committee.permissions import require_expert, require_office
from committee.rules import needed_for_share, quorum_met, vote_passes
from committee.stage import RECEIVED
from committee.transitions import dossier_move
from core.errors import (
    AlreadyRecorded,
    IllegalTransition,
    OutsideWindow,
    PermissionDenied,
    QuorumNotMet,
    RecordSealed,
    ValidationFailed,
    VotingClosed,
)
from dossiers.models import Dossier
from rounds.models import Round

MEETING_WINDOW = "committee_review"


def _require_in_window(round_: Round, day: dt.date) -> None:
    window = round_.policy.window(MEETING_WINDOW)
    if not window.contains(day):
        raise OutsideWindow(f"{day:%Y-%m-%d} 不在{window.describe()}内。", details={"window": MEETING_WINDOW})


def vote_readiness(dossier: Dossier) -> list[str]:
    """What still keeps a dossier from the vote (SPEC 3: paper and fee, then defence or exemption)."""
    return readiness_problems(
        dossier,
        paper_received=PaperReceipt.objects.filter(dossier=dossier).exists(),
        fee_paid=Fee.objects.filter(dossier=dossier, paid_at__isnull=False).exists(),
        outcome=DefenceOutcome.objects.filter(dossier=dossier).first(),
    )


def readiness_problems(
    dossier: Dossier, *, paper_received: bool, fee_paid: bool, outcome: DefenceOutcome | None
) -> list[str]:
    """vote_readiness from facts already loaded (a list page has them for every row: no query per row)."""
    problems = []
    if dossier.status != RECEIVED:
        problems.append(f"状态为“{dossier.status_label}”")
    if not paper_received:
        problems.append("纸质评审表未收到")
    if not fee_paid:
        problems.append("评审费未缴")
    if outcome is None or outcome.passed is None:
        problems.append("答辩结果未确定")
    return problems


# --- the meeting and attendance -----------------------------------------------------------------------------


def meeting_create_check(actor: User | None, round_: Round, *, held_on: dt.date, dossiers: list[Dossier]) -> None:
    require_office(actor)
    _require_in_window(round_, held_on)
    if not CommitteeMember.objects.filter(round=round_).exists():
        raise IllegalTransition("请先抽取本批次的评审委员会。")
    if not dossiers:
        raise ValidationFailed("请选择提交本次会议表决的申报。")
    for dossier in dossiers:
        problems = vote_readiness(dossier) if dossier.round_id == round_.pk else ["不属于本批次"]
        if problems:
            raise IllegalTransition(
                f"{dossier.serial_number} 尚不能提交表决：{'、'.join(problems)}。", details={"dossier": dossier.pk}
            )


@transaction.atomic
def meeting_create(*, actor: User, round_: Round, held_on: dt.date, place: str, dossiers: list[Dossier]) -> Meeting:
    meeting_create_check(actor, round_, held_on=held_on, dossiers=dossiers)
    meeting = Meeting.objects.create(round=round_, held_on=held_on, place=place, created_by=actor)
    MeetingItem.objects.bulk_create(MeetingItem(meeting=meeting, dossier=d) for d in dossiers)
    audit(actor, "meeting_created", meeting, held_on=held_on.isoformat(), dossiers=[d.pk for d in dossiers])
    return meeting


def attendance_record_check(actor: User | None, meeting: Meeting) -> None:
    require_office(actor)
    if meeting.voting_opened_at is not None:
        raise VotingClosed("会议已开始表决，出席情况不能再修改。")


@transaction.atomic
def attendance_record(*, actor: User, meeting: Meeting, present_expert_ids: set[int]) -> list[Attendance]:
    """Record who of the committee attends (everyone else is absent)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    attendance_record_check(actor, meeting)
    members = set(CommitteeMember.objects.filter(round=meeting.round).values_list("expert_id", flat=True))
    strangers = present_expert_ids - members
    if strangers:
        raise ValidationFailed("出席人员中有非本届评审委员会成员。", details={"experts": sorted(strangers)})
    meeting.attendance.all().delete()
    rows = Attendance.objects.bulk_create(
        Attendance(meeting=meeting, expert_id=pk, present=pk in present_expert_ids, recorded_by=actor)
        for pk in sorted(members)
    )
    audit(actor, "attendance_recorded", meeting, present=sorted(present_expert_ids), members=len(members))
    return rows


def attendance_numbers(meeting: Meeting) -> tuple[int, int]:
    """(members of the committee, members present)."""
    members = CommitteeMember.objects.filter(round=meeting.round).count()
    return members, meeting.attendance.filter(present=True).count()


def voting_open_check(actor: User | None, meeting: Meeting) -> None:
    require_office(actor)
    if meeting.voting_opened_at is not None:
        raise AlreadyRecorded("本次会议已开始表决。")
    if not meeting.attendance.exists():
        raise ValidationFailed("请先登记出席情况。")
    members, present = attendance_numbers(meeting)
    ratio = meeting.round.policy.committee_ratio("quorum")
    if not quorum_met(members=members, present=present, ratio=ratio):
        needed = needed_for_share(members, ratio)
        raise QuorumNotMet(
            f"出席 {present} 人，不足评审委员会 {members} 名成员的 {ratio}（需至少 {needed} 人），会议无效，不能表决。",
            details={"members": members, "present": present, "needed": needed},
        )


@transaction.atomic
def voting_open(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    voting_open_check(actor, meeting)
    now = timezone.now()
    meeting.voting_opened_at = now
    meeting.save(update_fields=["voting_opened_at"])
    meeting.items.update(opened_at=now)
    members, present = attendance_numbers(meeting)
    audit(actor, "voting_opened", meeting, members=members, present=present)
    return meeting


# --- the secret ballot ---------------------------------------------------------------------------------------


def ballot_cast_check(actor: User | None, meeting: Meeting, dossier: Dossier) -> None:
    expert = require_expert(actor)
    item = MeetingItem.objects.filter(meeting=meeting, dossier=dossier).first()
    if item is None:
        raise ValidationFailed("该申报不在本次会议表决范围内。")
    if item.opened_at is None or VoteCount.objects.filter(meeting=meeting, dossier=dossier).exists():
        raise VotingClosed("该申报未在表决中或已计票，不能投票。")
    if not meeting.attendance.filter(expert=expert, present=True).exists():
        raise PermissionDenied("只有出席会议的评审委员会成员可以投票，不得委托投票。")
    if BallotCast.objects.filter(meeting=meeting, dossier=dossier, expert=expert).exists():
        raise AlreadyRecorded("您已对该申报投票，每人每份申报只能投一票。")


@transaction.atomic
def ballot_cast(*, actor: User, meeting: Meeting, dossier: Dossier, choice: str) -> None:
    """One secret ballot. Returns nothing: not even the caller gets a handle on the ballot row."""
    # Lock the item: a ballot and the count cannot interleave (no vote slips in after the count).
    MeetingItem.objects.select_for_update().filter(meeting=meeting, dossier=dossier).first()
    ballot_cast_check(actor, meeting, dossier)
    if choice not in Ballot.Choice.values:
        raise ValidationFailed("请选择同意、不同意或弃权。")
    try:
        with transaction.atomic():
            BallotCast.objects.create(meeting=meeting, dossier=dossier, expert=require_expert(actor))
    except IntegrityError as exc:  # a double click racing itself
        raise AlreadyRecorded("您已对该申报投票，每人每份申报只能投一票。") from exc
    Ballot.objects.create(meeting=meeting, dossier=dossier, choice=choice)
    audit(actor, "voted", meeting, dossier=dossier.pk)


def vote_count_check(actor: User | None, meeting: Meeting, dossier: Dossier, *, today: dt.date) -> None:
    require_office(actor, dossier)
    item = MeetingItem.objects.filter(meeting=meeting, dossier=dossier).first()
    if item is None or item.opened_at is None:
        raise VotingClosed("该申报未在表决中。")
    if VoteCount.objects.filter(meeting=meeting, dossier=dossier).exists():
        raise AlreadyRecorded("该申报已计票。")
    _require_in_window(meeting.round, today)


@transaction.atomic
def vote_count(*, actor: User, meeting: Meeting, dossier: Dossier, today: dt.date | None = None) -> VoteCount:
    """Count one dossier's ballots, close its vote and move it to passed / not passed."""
    MeetingItem.objects.select_for_update().filter(meeting=meeting, dossier=dossier).first()
    vote_count_check(actor, meeting, dossier, today=today or timezone.localdate())
    ballots = Ballot.objects.filter(meeting=meeting, dossier=dossier)
    _, present = attendance_numbers(meeting)
    yes = ballots.filter(choice=Ballot.Choice.YES).count()
    passed = vote_passes(present=present, yes=yes, ratio=meeting.round.policy.committee_ratio("pass_ratio"))
    count = VoteCount.objects.create(
        meeting=meeting,
        dossier=dossier,
        present=present,
        yes=yes,
        no=ballots.filter(choice=Ballot.Choice.NO).count(),
        abstain=ballots.filter(choice=Ballot.Choice.ABSTAIN).count(),
        passed=passed,
        counted_by=actor,
    )
    audit(actor, "vote_counted", count, dossier=dossier.pk, present=present, yes=yes, passed=passed)
    dossier_move(dossier=dossier, action="committee_pass" if passed else "committee_fail", actor=None)
    return count


# --- minutes --------------------------------------------------------------------------------------------------


def minutes_content(meeting: Meeting) -> dict[str, Any]:
    """Attendees, dossiers (by serial and pseudonym), the experts' opinions, the counts and the results."""
    attendance = meeting.attendance.select_related("expert__user").order_by("expert_id")
    counts = {c.dossier_id: c for c in meeting.counts.all()}
    dossiers = []
    for item in meeting.items.select_related("dossier").order_by("dossier__serial_number"):
        assignments = ExpertAssignment.objects.filter(dossier=item.dossier).select_related("opinion")
        count = counts[item.dossier_id]
        dossiers.append(
            {
                "serial_number": item.dossier.serial_number,
                "pseudonym": next((a.pseudonym for a in assignments), ""),
                "opinions": [
                    {"opinion": a.opinion.opinion, "score": str(a.opinion.score)}
                    for a in assignments
                    if hasattr(a, "opinion")
                ],
                "present": count.present,
                "yes": count.yes,
                "no": count.no,
                "abstain": count.abstain,
                "result": "通过" if count.passed else "未通过",
            }
        )
    return {
        "round": meeting.round.slug,
        "held_on": meeting.held_on.isoformat(),
        "place": meeting.place,
        "attendees": [a.expert.user.display_name for a in attendance if a.present],
        "absent": [a.expert.user.display_name for a in attendance if not a.present],
        "dossiers": dossiers,
    }


def minutes_seal_check(actor: User | None, meeting: Meeting) -> None:
    require_office(actor)
    if meeting.minutes.exists():
        raise RecordSealed("本次会议纪要已封存；如需更正，请生成更正纪要。")
    uncounted = meeting.items.exclude(dossier__vote_counts__meeting=meeting).count()
    if meeting.voting_opened_at is None or uncounted:
        raise IllegalTransition(f"还有 {uncounted or meeting.items.count()} 份申报未计票，不能封存纪要。")


@transaction.atomic
def minutes_seal(*, actor: User, meeting: Meeting) -> Minutes:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    minutes_seal_check(actor, meeting)
    content = minutes_content(meeting)
    minutes = Minutes.objects.create(
        meeting=meeting, content=content, sha256=content_digest(content), sealed_at=timezone.now(), sealed_by=actor
    )
    audit(actor, "minutes_sealed", minutes, sha256=minutes.sha256)
    return minutes


def minutes_correct_check(actor: User | None, minutes: Minutes) -> None:
    require_office(actor)
    if Minutes.objects.filter(corrects=minutes).exists():
        raise RecordSealed("该纪要已有更正纪要，请在最新一份上更正。")
    if not minutes.intact:
        raise RecordSealed("该纪要的校验值与内容不符，已被篡改，不能在其上更正。")


@transaction.atomic
def minutes_correct(*, actor: User, minutes: Minutes, content: dict[str, Any], reason: str) -> Minutes:
    """A correction: a new sealed record pointing at the one it corrects (which stays as it was)."""
    minutes_correct_check(actor, minutes)
    if not reason.strip():
        raise ValidationFailed("请写明更正原因。")
    corrected = Minutes.objects.create(
        meeting=minutes.meeting,
        content=content,
        sha256=content_digest(content),
        corrects=minutes,
        correction_reason=reason.strip(),
        sealed_at=timezone.now(),
        sealed_by=actor,
    )
    audit(actor, "minutes_corrected", corrected, corrects=minutes.pk, sha256=corrected.sha256, reason=reason.strip())
    return corrected


def minutes_verify(minutes: Minutes) -> bool:
    """Re-read the stored row and check its content against its sealed sha256."""
    return Minutes.objects.get(pk=minutes.pk).intact
