"""Reads for the prefecture office's committee pages: where every dossier of a round stands, what is overdue.

Nothing here writes; each flag is computed from the records and the policy's windows, so the board and the
API say the same thing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization, Role, User
from committee.defence import Requirement, defence_requirement
from committee.fees import FEE_WINDOW
from committee.models import (
    Certificate,
    DefenceOutcome,
    Fee,
    Meeting,
    PaperReceipt,
    ResultsPublicity,
    ReviewGroup,
    RosterReceipt,
    VoteCount,
)
from committee.paper import PAPER_WINDOW
from committee.stage import AT_COMMITTEE, RECEIVED
from dossiers.access import dossiers_under
from dossiers.models import Dossier
from eligibility.selectors import fraud_register_loaded
from rounds.models import Round
from rounds.selectors import share_rounds

REQUIREMENT_LABELS = {
    Requirement.DEFEND: "参加答辩",
    Requirement.EXEMPT: "免于答辩",
    Requirement.NOT_REQUIRED: "不参加答辩",
}


@dataclass
class BoardRow:
    dossier: Dossier
    applicant: str
    fee: Fee | None
    paper_received: dt.date | None
    requirement: str
    outcome: DefenceOutcome | None
    groups: list[str]
    count: VoteCount | None
    certificate: Certificate | None
    step: str
    overdue: list[str] = field(default_factory=list)


def office_rounds(user: User) -> QuerySet[Round]:
    """Rounds with dossiers the office's prefecture has at the committee, newest first."""
    return Round.objects.filter(pk__in=office_dossiers(user).values("round_id")).order_by("-year", "slug")


def office_prefectures(user: User) -> list[Organization]:
    return [
        ra.organization
        for ra in user.roles.filter(role=Role.PREFECTURE_OFFICER).select_related("organization")
        if ra.organization is not None
    ]


def office_dossiers(user: User, round_: Round | None = None) -> QuerySet[Dossier]:
    """Dossiers at the committee under the offices this user works for."""
    found = Dossier.objects.none()
    for prefecture in office_prefectures(user):
        found = found | dossiers_under(prefecture)
    found = found.filter(status__in=AT_COMMITTEE)
    if round_ is not None:
        found = found.filter(round=round_)
    # The unit's chain (routing) and the sections (the eligibility rules behind the defence requirement) come
    # with the list; the round is shared (rounds.selectors.share_rounds), not decoded once per row.
    return (
        found.select_related("applicant", "unit__registration_county__parent", "unit__parent__parent")
        .prefetch_related("sections")
        .order_by("serial_number")
    )


def window_over(round_: Round, key: str, today: dt.date) -> bool:
    return today > round_.policy.window(key).end


def _step(row: BoardRow) -> str:
    if row.certificate is not None:
        return "已发放证书"
    if row.count is not None:
        return "评审通过" if row.count.passed else "评审未通过"
    if row.dossier.status != RECEIVED:
        return row.dossier.status_label
    if row.fee is None or not row.fee.is_paid:
        return "待缴费"
    if row.paper_received is None:
        return "待收纸质评审表"
    if row.outcome is None or row.outcome.passed is None:
        return "待答辩"
    if not row.groups:
        return "待分配评议组"
    return "待表决"


def board_rows(user: User, round_: Round, *, today: dt.date | None = None) -> list[BoardRow]:
    today = today or timezone.localdate()
    dossiers = list(office_dossiers(user, round_))
    share_rounds(dossiers)
    ids = [d.pk for d in dossiers]
    fees = {f.dossier_id: f for f in Fee.objects.filter(dossier_id__in=ids)}
    papers = dict(PaperReceipt.objects.filter(dossier_id__in=ids).values_list("dossier_id", "received_on"))
    outcomes = {o.dossier_id: o for o in DefenceOutcome.objects.filter(dossier_id__in=ids)}
    counts = {c.dossier_id: c for c in VoteCount.objects.filter(dossier_id__in=ids)}
    certificates = {c.dossier_id: c for c in Certificate.objects.filter(dossier_id__in=ids)}
    groups: dict[int, list[str]] = {}
    for group in ReviewGroup.objects.filter(round=round_).prefetch_related("dossiers"):
        for d in group.dossiers.all():
            groups.setdefault(d.pk, []).append(group.name)
    fee_over = window_over(round_, FEE_WINDOW, today)
    paper_over = window_over(round_, PAPER_WINDOW, today)
    rows = []
    with fraud_register_loaded():  # the defence requirement's eligibility check reads it for every row
        requirements = {d.pk: REQUIREMENT_LABELS[defence_requirement(d)] for d in dossiers}
    for dossier in dossiers:
        row = BoardRow(
            dossier=dossier,
            applicant=dossier.applicant.display_name,
            fee=fees.get(dossier.pk),
            paper_received=papers.get(dossier.pk),
            requirement=requirements[dossier.pk],
            outcome=outcomes.get(dossier.pk),
            groups=groups.get(dossier.pk, []),
            count=counts.get(dossier.pk),
            certificate=certificates.get(dossier.pk),
            step="",
        )
        unpaid = row.fee is None or not row.fee.is_paid
        if unpaid and (fee_over or (row.fee is not None and row.fee.overdue_flagged_at)):
            row.overdue.append("逾期未缴费")
        if row.paper_received is None and paper_over and dossier.status == RECEIVED:
            row.overdue.append("纸质评审表逾期未收到")
        row.step = _step(row)
        rows.append(row)
    return rows


def step_counts(rows: list[BoardRow]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.step] = counts.get(row.step, 0) + 1
    return counts


def units_of(rows: list[BoardRow]) -> list[tuple[Organization, list[BoardRow], RosterReceipt | None]]:
    """The board grouped by unit, with each unit's roster receipt (paper receipt is per unit)."""
    by_unit: dict[int, list[BoardRow]] = {}
    units: dict[int, Organization] = {}
    for row in rows:
        by_unit.setdefault(row.dossier.unit_id, []).append(row)
        units[row.dossier.unit_id] = row.dossier.unit
    if not rows:
        return []
    round_ = rows[0].dossier.round
    rosters = {r.unit_id: r for r in RosterReceipt.objects.filter(round=round_, unit_id__in=list(units))}
    return [(units[pk], by_unit[pk], rosters.get(pk)) for pk in sorted(units, key=lambda k: units[k].code)]


def round_meetings(round_: Round) -> QuerySet[Meeting]:
    return Meeting.objects.filter(round=round_).order_by("-held_on", "-id")


def current_results_publicity(round_: Round) -> ResultsPublicity | None:
    return ResultsPublicity.objects.filter(round=round_).order_by("-starts_on", "-id").first()
