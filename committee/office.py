"""Reads for the prefecture office's committee pages: where every dossier of a round stands, what is overdue.

Nothing here writes; each flag is computed from the records and the policy's windows, so the board and the
API say the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Organization, Role, User
from committee.board import STEP_ORDER, VOTED_STEP_CODES, as_flag, step_codes, step_label
from committee.defence import Requirement, defence_requirement
from committee.fees import FEE_WINDOW
from committee.models import (
    BoardCell,
    BoardStep,
    Certificate,
    DefenceOutcome,
    DefenceSession,
    Fee,
    FeeFigures,
    Meeting,
    MeetingItem,
    ResultsPublicity,
    ReviewGroup,
    RosterReceipt,
    VoteCount,
)
from committee.paper import PAPER_WINDOW
from committee.stage import AT_COMMITTEE, RECEIVED
from dossiers.access import unit_ids_under
from dossiers.models import Dossier
from eligibility.selectors import fraud_register_loaded
from rounds.models import Round
from rounds.selectors import share_rounds
from workflow.models import DossierTally
from workflow.selectors import CountedPaginator, page_limit

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
    """Rounds with dossiers the office's prefecture has at the committee, newest first: read from the count
    cells (workflow.DossierTally, a few per unit and state), not from the office's dossiers."""
    held = _at_committee_tallies(user).filter(round_id=OuterRef("pk"), n__gt=0)
    return Round.objects.filter(Exists(held)).order_by("-year", "slug")


def _at_committee_tallies(user: User, round_: Round | None = None, unit: str = "") -> QuerySet[DossierTally]:
    """The count cells of office_dossiers(user, round_) (`unit`: one unit's, by code)."""
    cells = DossierTally.objects.filter(unit_id__any_of=office_unit_ids(user), status__in=AT_COMMITTEE)
    if round_ is not None:
        cells = cells.filter(round=round_)
    if unit:
        cells = cells.filter(unit__code=unit)
    return cells


def _fee_cells(user: User, round_: Round, unit: str = "") -> QuerySet[FeeFigures]:
    """The fee figures of the office's units in the round (`unit`: one unit's, by code)."""
    cells = FeeFigures.objects.filter(round=round_, unit_id__any_of=office_unit_ids(user))
    return cells.filter(unit__code=unit) if unit else cells


def office_prefectures(user: User) -> list[Organization]:
    return [
        ra.organization
        for ra in user.roles.filter(role=Role.PREFECTURE_OFFICER).select_related("organization")
        if ra.organization is not None
    ]


def office_unit_ids(user: User) -> list[int]:
    """The units whose dossiers the offices this user works for receive (dossiers_under's rule), remembered on
    the user object for the request (a page asks several times)."""
    cached: list[int] | None = getattr(user, "_office_unit_ids", None)
    if cached is None:
        found: set[int] = set()
        for office in office_prefectures(user):
            ids = unit_ids_under(office)
            # The region's office (dossiers_under: everything) receives every unit's dossiers.
            found.update(
                Organization.objects.filter(kind=Organization.Kind.UNIT).values_list("pk", flat=True)
                if ids is None
                else ids
            )
        cached = sorted(found)
        user._office_unit_ids = cached  # type: ignore[attr-defined]
    return cached


def office_dossiers(user: User, round_: Round | None = None) -> QuerySet[Dossier]:
    """Dossiers at the committee under the offices this user works for."""
    # By unit ids (a few hundred, read once per request) rather than a join on each dossier's unit chain: the
    # planner then estimates the rows well and joins the committee's records by hash (EXPLAIN, BENCHMARKS.md).
    found = Dossier.objects.filter(unit_id__any_of=office_unit_ids(user), status__in=AT_COMMITTEE)
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


FEE_OVERDUE = "逾期未缴费"
PAPER_OVERDUE = "纸质评审表逾期未收到"

# A board page never holds more rows than this; the forms that list candidates (defence, group draw,
# meeting) offer at most FORM_CANDIDATES at a time: once those are dealt with, the next ones appear.
BOARD_PAGE_SIZE = 50
FORM_CANDIDATES = 50


@dataclass
class BoardFilters:
    step: str = ""
    overdue: bool = False
    unit: str = ""  # organisation code
    fee: str = ""  # "paid" / "unpaid"
    voted: bool = False  # a vote count or a certificate exists (the results page)
    order: str = "serial"  # "serial", or "unit" (the paper page groups by unit)


@dataclass
class BoardPage:
    rows: list[BoardRow]
    page: Page[Dossier]


def _overdue(round_: Round, today: dt.date, prefix: str = "") -> tuple[Q, Q]:
    """The fee and the paper overdue conditions on the stored flags (committee.BoardStep, `prefix` to reach it
    from a dossier): what is overdue depends on today, so only its ingredients are stored."""
    fee_flag, paper_counts = _overdue_rule(round_, today)
    fee = Q(**{prefix + fee_flag: True})
    paper = Q(**{prefix + "paper_missing": True}) if paper_counts else Q(pk__in=[])
    return fee, paper


def _overdue_rule(round_: Round, today: dt.date) -> tuple[str, bool]:
    """What counts as overdue today: the stored fee flag that says it (unpaid once the fee window is over,
    else flagged by the office), and whether a missing paper form does (once the paper window is over)."""
    fee_flag = "fee_unpaid" if window_over(round_, FEE_WINDOW, today) else "fee_flagged"
    return fee_flag, window_over(round_, PAPER_WINDOW, today)


def board_queryset(
    user: User, round_: Round, filters: BoardFilters | None = None, *, today: dt.date | None = None
) -> QuerySet[Dossier]:
    """The round's board as one query: each dossier's step and overdue flags read from its stored step
    (committee.board keeps it with every change), so the page, the counts and the filters agree and a step's
    filter reads an index instead of computing every dossier's step."""
    filters = filters or BoardFilters()
    today = today or timezone.localdate()
    fee_overdue, paper_overdue = _overdue(round_, today, "board_step__")
    qs = office_dossiers(user, round_).annotate(
        step_code=F("board_step__step"),
        fee_overdue=as_flag(fee_overdue),
        paper_overdue=as_flag(paper_overdue),
    )
    if filters.step or filters.overdue:
        # The stored row's own round too: the index of the steps starts with it.
        qs = qs.filter(board_step__round=round_)
    if filters.step:
        qs = qs.filter(board_step__step__in=step_codes(round_, filters.step))
    if filters.overdue:
        qs = qs.filter(fee_overdue | paper_overdue)
    if filters.unit:
        qs = qs.filter(unit__code=filters.unit)
    if filters.fee == "paid":
        qs = qs.filter(fee__paid_at__isnull=False)
    elif filters.fee == "unpaid":
        qs = qs.filter(fee__isnull=False, fee__paid_at__isnull=True)
    if filters.voted:
        # A certificate or a vote count: the stored step's first three codes, by the step's own definition
        # (committee.board.step_expression), read on the steps' index instead of the round's counts.
        qs = qs.filter(board_step__round=round_, board_step__step__in=VOTED_STEP_CODES)
    if filters.order == "unit":
        return qs.order_by("unit__code", "serial_number", "pk")
    return qs.order_by("serial_number", "pk")


def board_rows_of(round_: Round, dossiers: list[Dossier]) -> list[BoardRow]:
    """Rows of annotated board dossiers (one page or one bounded list): what the page shows of each, read in
    a fixed number of queries (fees, papers, outcomes and certificates come with the dossiers)."""
    share_rounds(dossiers)
    counts = VoteCount.objects.in_bulk([getattr(d, "count_id", None) for d in dossiers if getattr(d, "count_id", None)])
    with fraud_register_loaded():  # the defence requirement's eligibility check reads it for every row
        requirements = {d.pk: REQUIREMENT_LABELS[defence_requirement(d)] for d in dossiers}
    rows = []
    for dossier in dossiers:
        overdue = []
        if getattr(dossier, "fee_overdue", False):
            overdue.append(FEE_OVERDUE)
        if getattr(dossier, "paper_overdue", False):
            overdue.append(PAPER_OVERDUE)
        paper = _related(dossier, "paper_receipt")
        rows.append(
            BoardRow(
                dossier=dossier,
                applicant=dossier.applicant.display_name,
                fee=_related(dossier, "fee"),
                paper_received=paper.received_on if paper else None,
                requirement=requirements[dossier.pk],
                outcome=_related(dossier, "defence_outcome"),
                groups=[g.name for g in dossier.review_groups.all()],
                count=counts.get(getattr(dossier, "count_id", None) or 0),
                certificate=_related(dossier, "certificate"),
                step=step_label(round_, getattr(dossier, "step_code", None)),
                overdue=overdue,
            )
        )
    return rows


def _related(dossier: Dossier, name: str) -> Any:
    """A reverse one-to-one loaded with the list (select_related), None when there is none."""
    try:
        return getattr(dossier, name)
    except ObjectDoesNotExist:
        return None


def with_row_data(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What a board row shows, loaded with the dossiers (joins) or in one query per relation."""
    latest_count = VoteCount.objects.filter(dossier=OuterRef("pk")).order_by("-id").values("pk")[:1]
    return (
        qs.annotate(count_id=Subquery(latest_count))  # computed for the rows fetched only
        .select_related("fee", "paper_receipt", "defence_outcome", "certificate")
        .prefetch_related(Prefetch("review_groups", ReviewGroup.objects.order_by("name")))
    )


def board_page(
    user: User,
    round_: Round,
    filters: BoardFilters | None = None,
    *,
    page: int | str | None = 1,
    limit: int | None = None,
    today: dt.date | None = None,
    summary: BoardSummary | None = None,
) -> BoardPage:
    """One page of the board (a page out of range is the nearest one).

    With the board's `summary` (its step counts, read anyway for the page's menu) the total for the page
    numbers comes from it when the filters are only a step or 逾期: no second pass over the round's dossiers."""
    filters = filters or BoardFilters()
    qs = board_queryset(user, round_, filters, today=today)
    paginator = CountedPaginator(
        # The page's ids first, without the rows' own joins and subqueries: those are read for these ids only.
        qs.values_list("pk", flat=True),
        page_limit(limit) if limit else BOARD_PAGE_SIZE,  # at most 200, as the queue
        count=_count_from_summary(user, round_, filters, summary),
    )
    current = paginator.get_page(page)
    ids = list(current.object_list)
    loaded = with_row_data(qs.filter(pk__in=ids)).in_bulk()
    return BoardPage(rows=board_rows_of(round_, [loaded[pk] for pk in ids if pk in loaded]), page=current)


def _count_from_summary(user: User, round_: Round, filters: BoardFilters, summary: BoardSummary | None) -> int | None:
    """How many dossiers the filters select, when the count cells or the step counts say it (else None:
    counted in SQL). No filter but a unit and the fee: the count cells of the dossiers (workflow.DossierTally)
    and the fee figures of those at the committee (committee.FeeFigures), a few per unit."""
    if not (filters.step or filters.overdue or filters.voted or filters.unit or filters.fee) and summary is not None:
        return sum(summary.steps.values())  # read anyway for the board's menu
    if not (filters.step or filters.overdue or filters.voted):
        if filters.fee:
            figures = _fee_cells(user, round_, filters.unit).aggregate(
                with_fee=Coalesce(Sum("committee_dossiers"), 0), paid=Coalesce(Sum("committee_paid_count"), 0)
            )
            paid = int(figures["paid"])
            return paid if filters.fee == "paid" else int(figures["with_fee"]) - paid
        return _held_count(user, round_, filters.unit)
    if summary is None or filters.unit or filters.fee or filters.voted or (filters.step and filters.overdue):
        return None
    if filters.step:
        return summary.steps.get(filters.step, 0)
    if filters.overdue:
        return summary.overdue
    return sum(summary.steps.values())


def _candidates(
    user: User, round_: Round, condition: Q, limit: int, *, total: Callable[[], int] | None = None
) -> tuple[list[BoardRow], int]:
    """The first `limit` dossiers meeting `condition` and how many do (`total`: counted from the cells instead
    of a COUNT over the office's dossiers; not asked when fewer than `limit` are found)."""
    # The forms show who, not the step: without the board's CASE the query plans in half the time. The ids
    # first, then the rows' joins and subqueries for those ids only (the board page's way: planning the whole
    # join over the office's dossiers cost more than running it).
    qs = office_dossiers(user, round_).filter(condition)
    ids = list(qs.values_list("pk", flat=True)[:limit])
    loaded = with_row_data(office_dossiers(user, round_).filter(pk__in=ids)).in_bulk() if ids else {}
    rows = board_rows_of(round_, [loaded[pk] for pk in ids if pk in loaded])
    if len(ids) < limit:
        return rows, len(ids)
    return rows, total() if total is not None else qs.count()


def defence_candidates(user: User, round_: Round, *, limit: int = FORM_CANDIDATES) -> tuple[list[BoardRow], int]:
    """Received dossiers not yet in a defence session whose applicants defend: the first `limit` and how many
    may be (the kinds that never defend are left out in SQL; an exemption is the eligibility rules' answer,
    read for the rows shown only, so the count is an upper bound)."""
    condition = Q(status=RECEIVED) & ~Q(defence_sessions__round=round_)
    no_defence = list(round_.policy.defence_value("no_defence_kinds") or [])
    if no_defence:
        condition &= ~Q(kind__in=no_defence)

    def total() -> int:
        # The received of the kinds that defend (count cells) less those of them already in a session of the
        # round (the round's sessions' lists, not the office's dossiers).
        received = _at_committee_tallies(user, round_).filter(status=RECEIVED).exclude(kind__in=no_defence)
        scheduled = (
            DefenceSession.dossiers.through.objects.filter(
                defencesession__round=round_,
                dossier__round=round_,
                dossier__status=RECEIVED,
                dossier__unit_id__any_of=office_unit_ids(user),
            )
            .exclude(dossier__kind__in=no_defence)
            .order_by()
            .values("dossier__round")  # one group: the count as a scalar subquery
            .annotate(n=Count("dossier_id", distinct=True))
            .values("n")  # type: ignore[misc]  # the stubs do not see the annotation
        )
        # One statement: the cells' sum less the subquery's count.
        found = received.aggregate(n=Coalesce(Sum("n"), 0) - Coalesce(Subquery(scheduled), 0))
        return int(found["n"])

    # Read a few more than shown: the exempt among them drop out here.
    rows, found = _candidates(user, round_, condition, limit * 2, total=total)
    return [r for r in rows if r.requirement == REQUIREMENT_LABELS[Requirement.DEFEND]][:limit], found


def group_candidates(user: User, round_: Round, *, limit: int = FORM_CANDIDATES) -> tuple[list[BoardRow], int]:
    """Received dossiers in no review group yet."""
    grouped = Exists(ReviewGroup.dossiers.through.objects.filter(dossier_id=OuterRef("pk")))
    return _candidates(user, round_, Q(status=RECEIVED) & ~Q(grouped), limit)


def _on_agenda(round_: Round) -> Exists:
    return Exists(MeetingItem.objects.filter(dossier_id=OuterRef("pk"), meeting__round=round_))


def vote_ready(round_: Round) -> Q:
    """committee.meetings.readiness_problems in SQL: received, paper in, fee paid, defence result settled."""
    return Q(
        status=RECEIVED,
        paper_receipt__isnull=False,
        fee__paid_at__isnull=False,
        defence_outcome__passed__isnull=False,
    )


def meeting_candidates(user: User, round_: Round, *, limit: int = FORM_CANDIDATES) -> tuple[list[BoardRow], int]:
    """Received dossiers on no agenda yet and ready for the vote."""
    return _candidates(user, round_, vote_ready(round_) & ~Q(_on_agenda(round_)), limit)


# The stored steps (committee.board.step_expression) of a received dossier not ready for the vote: no fee paid,
# no paper form, or no settled defence result (a received dossier has no vote count nor certificate).
NOT_READY_STEP_CODES = ("unpaid", "paper", "defence")


def meeting_waiting(user: User, round_: Round, *, limit: int = FORM_CANDIDATES) -> tuple[list[BoardRow], int]:
    """Received dossiers on no agenda yet that are not ready for the vote."""

    def total() -> int:
        # Counted on the stored steps' index (round, step) instead of the dossiers joined to their fees,
        # papers and outcomes; less those of them on an agenda of the round (a few: the meeting's items).
        steps = BoardStep.objects.filter(
            round=round_, step__in=NOT_READY_STEP_CODES, unit_id__any_of=office_unit_ids(user)
        )
        on_agenda = MeetingItem.objects.filter(
            meeting__round=round_,
            dossier__board_step__round=round_,
            dossier__board_step__step__in=NOT_READY_STEP_CODES,
            dossier__board_step__unit_id__any_of=office_unit_ids(user),
        )
        return steps.count() - on_agenda.values("dossier_id").distinct().count()

    condition = Q(status=RECEIVED) & ~vote_ready(round_) & ~Q(_on_agenda(round_))
    return _candidates(user, round_, condition, limit, total=total)


@dataclass
class BoardSummary:
    steps: dict[str, int]  # step → dossiers at it, in the order of the stage
    overdue: int  # dossiers with an overdue matter


def _overdue_count(round_: Round, today: dt.date) -> str:
    """The board cell's count (committee.BoardCell) of the dossiers _overdue(round_, today) selects."""
    fee_flag, paper_counts = _overdue_rule(round_, today)
    if paper_counts:
        return {"fee_unpaid": "unpaid_or_paper", "fee_flagged": "flagged_or_paper"}[fee_flag]
    return fee_flag


def board_summary(user: User, round_: Round, *, today: dt.date | None = None) -> BoardSummary:
    """The board's step counts and its overdue total, added up from the board's count cells of the office's
    units (committee.BoardCell, a few per unit) instead of grouping the round's stored steps."""
    late_count = _overdue_count(round_, today or timezone.localdate())
    grouped = (
        BoardCell.objects.filter(round=round_, unit_id__any_of=office_unit_ids(user), dossiers__gt=0)
        .order_by()
        .values("step")
        .annotate(n=Sum("dossiers"), late=Sum(late_count))
    )
    found: dict[str, int] = {}
    late = 0
    for row in grouped:
        label = step_label(round_, row["step"])
        found[label] = found.get(label, 0) + row["n"]
        late += row["late"]
    order = list(STEP_ORDER)
    steps = dict(sorted(found.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order)))
    return BoardSummary(steps=steps, overdue=late)


def step_counts(user: User, round_: Round, *, today: dt.date | None = None) -> dict[str, int]:
    """step → number of dossiers, in the order of the stage."""
    return board_summary(user, round_, today=today).steps


def _held_count(user: User, round_: Round, unit: str = "") -> int:
    """How many dossiers office_dossiers(user, round_) holds (`unit`: of one unit), from the count cells."""
    return int(_at_committee_tallies(user, round_, unit).aggregate(n=Coalesce(Sum("n"), 0))["n"])


def fee_totals(user: User, round_: Round) -> dict[str, int]:
    """Due and paid in all, and how many dossiers at the committee have no fee record yet, of the office's
    dossiers at the committee: added up from the fee figures and the count cells (a few per unit), not the
    dossiers joined to their fees."""
    figures = _fee_cells(user, round_).aggregate(
        due=Coalesce(Sum("committee_due_yuan"), 0),
        paid=Coalesce(Sum("committee_paid_yuan"), 0),
        with_fee=Coalesce(Sum("committee_dossiers"), 0),
    )
    return {
        "due": int(figures["due"]),
        "paid": int(figures["paid"]),
        "missing": _held_count(user, round_) - int(figures["with_fee"]),
    }


def units_of(rows: list[BoardRow]) -> list[tuple[Organization, list[BoardRow], RosterReceipt | None]]:
    """The rows (one page, in unit order) grouped by unit, with each unit's roster receipt (paper receipt is
    per unit)."""
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
