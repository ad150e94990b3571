"""Reads for the review pages: queues, counts, history, return reasons and submission diffs.

Every query starts from dossiers.access: a reviewer never sees a dossier outside their organisations.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import Case
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import Organization, User
from core.errors import NotFound
from documents.models import DocumentKind, GeneratedDocument
from dossiers.access import (
    dossiers_of_units,
    reviewer_levels,
    unit_ids_in_scope_of_reviewer,
    unit_ids_routed_through,
    visible_dossier,
)
from dossiers.display import field_path_label, field_value_label, section_display
from dossiers.models import Attachment, Dossier, Submission
from dossiers.sections import doc_type_label, is_unit_record
from dossiers.selectors import attachments_by_section, section_data
from dossiers.states import DRAFT, RETURNED, RETURNED_FINAL, UNIT_PUBLICITY
from rounds.models import Round
from rounds.selectors import rounds_by_id, share_rounds
from workflow.actions import available_actions, current_publicity, publicities_prefetch
from workflow.models import AttachmentCheck, DossierTally, Notification, Publicity, Transition


@dataclass
class QueueFilters:
    status: str = ""
    unit: str = ""  # organisation code
    level: str = ""
    kind: str = ""
    days_left: int | None = None  # at most this many days left on the dossier's current clock
    mine: bool = True  # only dossiers waiting for one of my levels


# A queue page never holds more rows than this, whatever the caller asks (the page, the API).
QUEUE_PAGE_SIZE = 50
QUEUE_MAX_PAGE_SIZE = 200

RETURN_DEADLINE_LABEL = "修改截止"
PUBLICITY_END_LABEL = "公示结束"
REVIEW_END_LABEL = "审核截止"
# The states whose clock is the dossier's own (its return deadline, its publicity's end), not its round's.
STATES_WITH_OWN_CLOCK = (RETURNED, UNIT_PUBLICITY)


@dataclass
class QueueRow:
    dossier: Dossier
    waiting_level: str | None
    days_left: int | None
    deadline_label: str
    actions: list[str] = field(default_factory=list)


@dataclass
class QueuePage:
    rows: list[QueueRow]
    page: Page[Dossier]

    @property
    def count(self) -> int:
        return int(self.page.paginator.count)


def filed_tallies(unit_ids: Iterable[int]) -> QuerySet[DossierTally]:
    """The count cells of `dossiers_of_units(unit_ids)` (filed, not drafts): a few per unit and state,
    whatever the number of dossiers."""
    return DossierTally.objects.filter(unit_id__any_of=list(unit_ids), filed=True).exclude(status=DRAFT)


def _rounds_in_scope(unit_ids: list[int]) -> list[Round]:
    """The rounds holding dossiers of the scope, from the counts: a handful of rows, never one per dossier."""
    held = filed_tallies(unit_ids).filter(round_id=OuterRef("pk"), n__gt=0)
    return list(Round.objects.filter(Exists(held)).order_by("pk"))


def _states_by_level(rounds: list[Round]) -> dict[str, list[tuple[list[int], list[str]]]]:
    """level → [(round ids, states of that level in those rounds)], rounds sharing a policy's map grouped."""
    grouped: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for r in rounds:
        by_level: dict[str, list[str]] = {}
        for state, level in (r.policy.workflow.get("levels") or {}).items():
            by_level.setdefault(str(level), []).append(str(state))
        for level, states in by_level.items():
            grouped.setdefault((level, tuple(sorted(states))), []).append(r.pk)
    result: dict[str, list[tuple[list[int], list[str]]]] = {}
    for (level, level_states), ids in grouped.items():
        result.setdefault(level, []).append((ids, list(level_states)))
    return result


def _waiting_at(level_states: list[tuple[list[int], list[str]]]) -> Q:
    """Dossiers in a state of this level (by their round's policy): plain columns, so an index can serve it."""
    condition = Q(pk__in=[])
    for ids, states in level_states:
        condition |= Q(round_id__in=ids, status__in=states)
    return condition


@dataclass
class QueueScope:
    """What a reviewer's queue is cut from: per level the units routed through their organisation there, all
    those units, the rounds holding dossiers of them and each level's states in those rounds."""

    routed: list[tuple[str, list[int]]]
    unit_ids: list[int]
    rounds: list[Round]
    states_by_level: dict[str, list[tuple[list[int], list[str]]]]


def queue_scope(user: User) -> QueueScope:
    routed = [(level, unit_ids_routed_through(level, org)) for level, org in reviewer_levels(user)]
    unit_ids = sorted({pk for _, ids in routed for pk in ids})
    rounds = _rounds_in_scope(unit_ids)
    return QueueScope(routed=routed, unit_ids=unit_ids, rounds=rounds, states_by_level=_states_by_level(rounds))


def _queue_condition(scope: QueueScope, filters: QueueFilters) -> Q:
    """The filters a dossier and its count cell both answer (round, unit, status, level, kind columns);
    the days left are the dossier's alone."""
    condition = Q()
    if filters.status:
        condition &= Q(status=filters.status)
    if filters.unit:
        condition &= Q(unit__code=filters.unit)
    if filters.level:
        condition &= Q(level=filters.level)
    if filters.kind:
        condition &= Q(kind=filters.kind)
    if filters.mine and not filters.status:
        # Waiting for me: in a state of one of my levels, at a dossier routed through my organisation there.
        mine = Q(pk__in=[])
        for level, unit_ids in scope.routed:
            mine |= _waiting_at(scope.states_by_level.get(level, [])) & Q(unit_id__any_of=unit_ids)
        condition &= mine
    return condition


@dataclass
class DeadlineWithin:
    """The filter "at most N days left on the dossier's current clock", split by where each state's clock comes
    from, as plain conditions an index can serve (the deadline `queue_rows` shows, branch by branch):

    - `review`: a state of a review level runs on its round's review window, one date per round, so the
      condition is all-or-none per round: (round, state) columns, which the count cells also hold;
    - `own`: a returned dossier runs on its `return_deadline`, one under publicity on its latest publicity's
      end (few dossiers, found by the (unit, state) index); either state without its own date falls back to
      the review window, as in the rows, if its round's policy lists it under a level.
    """

    review: Q
    own: Q


def _due_by(rounds: list[Round], limit: dt.date) -> dict[int, list[str]]:
    """round id → its review-level states, for the rounds whose review window ends by `limit`."""
    due = {}
    for r in rounds:
        states = sorted((r.policy.workflow.get("levels") or {}).keys())
        if states and r.policy.window("review").end <= limit:
            due[r.pk] = [str(s) for s in states]
    return due


def deadline_within(rounds: list[Round], limit: dt.date) -> DeadlineWithin:
    """The dossiers whose deadline (as `queue_rows` shows it) is on or before `limit`; `own` reads the
    `publicity_end` alias of `reviewer_queue` (the days-left filter's) or `queue_count`."""
    due = _due_by(rounds, limit)
    review = Q(pk__in=[])
    for round_id, states in due.items():
        on_window = [s for s in states if s not in STATES_WITH_OWN_CLOCK]
        if on_window:
            review |= Q(round_id=round_id, status__in=on_window)

    def window_fallback(state: str) -> Q:
        return Q(round_id__in=[round_id for round_id, states in due.items() if state in states])

    # The return deadline's local date <= limit, as a range on the column: before the start of the next local day.
    next_day = timezone.make_aware(dt.datetime.combine(limit + dt.timedelta(days=1), dt.time.min))
    returned = Q(status=RETURNED) & (
        Q(return_deadline__lt=next_day) | (Q(return_deadline__isnull=True) & window_fallback(RETURNED))
    )
    publicised = Q(status=UNIT_PUBLICITY) & (
        Q(publicity_end__lte=limit) | (Q(publicity_end__isnull=True) & window_fallback(UNIT_PUBLICITY))
    )
    # The redundant state list lets the (unit, state) index find the few candidates first.
    return DeadlineWithin(review=review, own=Q(status__in=STATES_WITH_OWN_CLOCK) & (returned | publicised))


def queue_count(scope: QueueScope, filters: QueueFilters, *, today: dt.date | None = None) -> int:
    """The number of dossiers in the queue under these filters, added up from the count cells; with the days
    left, the review states' share from the cells (all-or-none per round) plus the few dossiers on a clock of
    their own (returned, under publicity), counted on an index."""
    condition = _queue_condition(scope, filters)
    if filters.days_left is None:
        found = filed_tallies(scope.unit_ids).filter(condition).aggregate(total=Sum("n"))
        return int(found["total"] or 0)
    today = today or timezone.localdate()
    within = deadline_within(scope.rounds, today + dt.timedelta(days=filters.days_left))
    on_review = filed_tallies(scope.unit_ids).filter(condition & within.review).aggregate(total=Sum("n"))
    on_own = (
        dossiers_of_units(scope.unit_ids).alias(publicity_end=_publicity_end()).filter(condition & within.own).count()
    )
    return int(on_review["total"] or 0) + on_own


class CountedPaginator(Paginator):
    """A Paginator told its total (from the count cells) instead of asking COUNT(*) of the list."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return super().count if self._known_count is None else self._known_count


def _publicity_end() -> Case:
    """The end of the dossier's latest publicity, asked only of a dossier under publicity (the CASE skips the
    subquery for the rest)."""
    latest = Subquery(Publicity.objects.filter(dossiers=OuterRef("pk")).order_by("-start", "-id").values("end")[:1])
    return Case(When(status=UNIT_PUBLICITY, then=latest), default=Value(None), output_field=DateField())


def reviewer_queue(
    user: User,
    filters: QueueFilters | None = None,
    *,
    today: dt.date | None = None,
    scope: QueueScope | None = None,
) -> QuerySet[Dossier]:
    """The reviewer's queue as one query: filtered and ordered in SQL. `queue_page` cuts a page out of it and
    adds each row's level, deadline and days left (`queue_rows`); the days-left filter is the same deadline as
    plain conditions (`deadline_within`).
    """
    filters = filters or QueueFilters()
    today = today or timezone.localdate()
    # The scope and "routed through me" by unit ids (no join on the unit chain): the planner then walks the
    # queue-order index and stops at the page instead of sorting the whole scope (EXPLAIN in BENCHMARKS.md).
    scope = scope or queue_scope(user)
    qs = dossiers_of_units(scope.unit_ids).filter(_queue_condition(scope, filters))
    if filters.days_left is not None:
        # Not `deadline <= limit`: the same rows, but as plain conditions the planner can use indexes for.
        within = deadline_within(scope.rounds, today + dt.timedelta(days=filters.days_left))
        qs = qs.alias(publicity_end=_publicity_end()).filter(within.review | within.own)
    return qs.order_by(F("submitted_at").asc(nulls_last=True), "pk")


def queue_rows(dossiers: Iterable[Dossier], scope: QueueScope, *, today: dt.date | None = None) -> list[QueueRow]:
    """Rows of queue dossiers (already one page, their publicities prefetched): the level each one waits for
    and the date its current step must be done by, by its round's policy (a round outside `scope` has none),
    and the days left to it from today. The deadline is the return deadline of a returned dossier, the end of
    the latest publicity (current_publicity's) of one under publicity, otherwise the round's review window's
    end for a state of a review level; `deadline_within` filters by the same rule in SQL.

    Computed here for the page's rows rather than as CASE expressions in the query: building and compiling
    those cost more than the rest of the rows' query."""
    today = today or timezone.localdate()
    levels = {r.pk: r.policy.workflow.get("levels") or {} for r in scope.rounds}
    review_ends = {r.pk: r.policy.window("review").end for r in scope.rounds if levels[r.pk]}
    rows = []
    for d in dossiers:
        round_levels = levels.get(d.round_id, {})
        publicity = current_publicity(d) if d.status == UNIT_PUBLICITY else None
        deadline: dt.date | None
        if d.status == RETURNED and d.return_deadline:
            deadline, label = timezone.localtime(d.return_deadline).date(), RETURN_DEADLINE_LABEL
        elif publicity is not None:
            deadline, label = publicity.end, PUBLICITY_END_LABEL
        elif d.status in round_levels:
            deadline, label = review_ends[d.round_id], REVIEW_END_LABEL
        else:
            deadline, label = None, ""
        level = round_levels.get(d.status)
        rows.append(
            QueueRow(
                dossier=d,
                waiting_level=None if level is None else str(level),
                days_left=(deadline - today).days if deadline else None,
                deadline_label=label,
            )
        )
    return rows


def page_limit(limit: int | None) -> int:
    """A page size within bounds: what is asked for, never more than QUEUE_MAX_PAGE_SIZE."""
    if not limit or limit < 1:
        return QUEUE_PAGE_SIZE
    return min(limit, QUEUE_MAX_PAGE_SIZE)


def queue_page(
    user: User,
    filters: QueueFilters | None = None,
    *,
    page: int | str | None = 1,
    limit: int | None = None,
    today: dt.date | None = None,
    scope: QueueScope | None = None,
    actionable: bool = False,
) -> QueuePage:
    """One page of the reviewer's queue (a page out of range is the nearest one), its rows ready to show.
    `scope`: queue_scope(user) when the caller has it already. `actionable`: each dossier also carries what
    the checks of its actions read (its unit's routing chain, its publicities), for the page's bulk menu."""
    today = today or timezone.localdate()
    filters = filters or QueueFilters()
    scope = scope or queue_scope(user)
    # The page's ids first, without joins: the planner then walks the queue-order index and stops at the page
    # (with the unit chain joined it read the scope: 26 ms instead of 1 ms for a unit's 500 dossiers at 100k).
    # The total for the page numbers comes from the count cells: a COUNT(*) would read the whole scope (83,000
    # dossiers for a prefecture at 100k).
    paginator = CountedPaginator(
        reviewer_queue(user, filters, today=today, scope=scope).values_list("pk", flat=True),
        page_limit(limit),
        count=queue_count(scope, filters, today=today),
    )
    current = paginator.get_page(page)
    ids = list(current.object_list)
    # Then those rows; the page's ids satisfy the queue's conditions already, so its WHERE is not asked again.
    loaded = _queue_row_dossiers(Dossier.objects.filter(pk__in=ids), actionable)
    dossiers = [loaded[pk] for pk in ids if pk in loaded]
    share_rounds(dossiers, known=scope.rounds)
    return QueuePage(rows=queue_rows(dossiers, scope, today=today), page=current)


# The dossier's columns no row (the row template, the API's row) and no check of the bulk menu reads: not
# loaded (parsing their timestamps was a tenth of the rows' load).
_UNREAD_DOSSIER_FIELDS = ("public_token", "created_at", "updated_at", "reminder_sent_at")
# What a queue row shows of the dossier's applicant and unit.
_ROW_RELATED_FIELDS = ("applicant__full_name", "applicant__username", "unit__name")
# What the routing of dossiers.access reads of a unit and the organisations above it (organization_for_level):
# only these columns of the chain, not every organisation's every column, for each of the page's rows.
_ROUTING_FIELDS = (
    "unit__unit_type",
    "unit__unit_level",
    "unit__parent__kind",
    "unit__parent__parent__kind",
    "unit__registration_county__kind",
    "unit__registration_county__parent__kind",
)


def _queue_row_dossiers(qs: QuerySet[Dossier], actionable: bool) -> dict[int, Dossier]:
    """The page's dossiers by id, with the columns of the applicant and unit their rows show and their
    publicities (newest first: the row's deadline, 同意推荐's check); `actionable`: also the unit chain (who may
    act at each level), so the bulk menu's checks ask nothing per row."""
    related = ["applicant", "unit"]
    fields = [f.name for f in Dossier._meta.concrete_fields if f.name not in _UNREAD_DOSSIER_FIELDS]
    fields += _ROW_RELATED_FIELDS
    if actionable:
        related += ["unit__registration_county__parent", "unit__parent__parent"]
        fields += _ROUTING_FIELDS
    return qs.select_related(*related).only(*fields).prefetch_related(publicities_prefetch()).in_bulk()


def next_in_queue(user: User, current: Dossier, *, today: dt.date | None = None) -> Dossier | None:
    """The dossier after `current` in the reviewer's own queue (待我处理, the queue's order), or None.

    After an action `current` has usually left the queue: the next one is then the first dossier of the
    queue that came after it in the same order (submission time, then id), so the clerk carries on in place.
    One row asked of the database, not the queue.
    """
    qs = reviewer_queue(user, today=today).exclude(pk=current.pk)
    at = current.submitted_at
    if at is None:  # unsent: it would sort last, after every sent dossier
        return qs.filter(submitted_at__isnull=True, pk__gt=current.pk).first() or qs.first()
    # `submitted_at >= at` alone at the top, so the queue-order index starts at `current` instead of walking
    # every earlier dossier (with the unsent ones OR-ed in it read 38,000 rows of a county at 100k: 17 ms).
    sent_later = Q(submitted_at__gte=at) & (Q(submitted_at__gt=at) | Q(pk__gt=current.pk))
    # None sent later: the first unsent one (they sort last), else the queue's first; at the queue's end only.
    unsent_first = Case(When(submitted_at__isnull=True, then=Value(0)), default=Value(1))
    return qs.filter(sent_later).first() or qs.order_by(unsent_first, "submitted_at", "pk").first()


def units_with_dossiers_in_scope(user: User, scope: QueueScope | None = None) -> list[tuple[str, str]]:
    """(code, name) of the units of the reviewer's scope holding a filed dossier (the queue's unit filter), in
    code order: one index probe per unit (a few hundred), not a pass over the scope's dossiers. `scope` as for
    status_counts."""
    filed = Dossier.objects.filter(unit_id=OuterRef("pk"))
    unit_ids = scope.unit_ids if scope is not None else unit_ids_in_scope_of_reviewer(user)
    units = (
        Organization.objects.filter(pk__any_of=unit_ids)
        .filter(Exists(filed.exclude(status="draft").exclude(submission_count=0)))
        .order_by("code")
    )
    return list(units.values_list("code", "name"))


def status_counts(user: User, scope: QueueScope | None = None) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state holding dossiers in the reviewer's scope: the scope's count
    cells added up (a few per unit and state), not its dossiers. `scope`: queue_scope(user) when the page
    has it already (its units and rounds are not read again)."""
    counts = (
        filed_tallies(scope.unit_ids if scope is not None else unit_ids_in_scope_of_reviewer(user))
        .order_by()
        .values("round_id", "status")
        .annotate(total=Sum("n"))
        .filter(total__gt=0)
        .values_list("round_id", "status", "total")
    )
    grouped = list(counts)
    rounds = rounds_by_id((round_id for round_id, _, _ in grouped), known=scope.rounds if scope else ())
    # In the rounds' own order (newest year first): the first one's state order sorts the counts.
    ordered = sorted(rounds.values(), key=lambda r: (-r.year, r.slug))
    policies = {r.pk: r.policy for r in ordered}
    labels: dict[str, str] = {}
    totals: Counter[str] = Counter()
    for round_id, status, n in grouped:
        totals[status] += n
        labels[status] = policies[round_id].state_label(status)
    order = list(next(iter(policies.values())).workflow["states"]) if policies else []
    return sorted(
        ((s, labels[s], n) for s, n in totals.items()), key=lambda row: order.index(row[0]) if row[0] in order else 99
    )


def dossiers_named(by_id: dict[int, Any]) -> list[tuple[Dossier, Any]]:
    """(dossier with its applicant, value) for each id of `by_id`: messages name people, never ids."""
    dossiers = Dossier.objects.select_related("applicant").in_bulk(list(by_id))
    return [(dossiers[pk], value) for pk, value in by_id.items() if pk in dossiers]


def reviewer_dossier(user: User, dossier_id: int) -> Dossier:
    """A dossier the user may open on the review pages (reviewer in scope or its applicant); else 404."""
    try:
        return visible_dossier(user, dossier_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def dossier_history(dossier: Dossier) -> list[Transition]:
    """The dossier's transitions, oldest first. Each shares `dossier` (its labels come from the round's policy):
    a round joined per row would decode the policy once per transition."""
    records = list(dossier.transitions.select_related("actor").order_by("id"))
    for record in records:
        record.dossier = dossier
    return records


def dossier_actions(user: User, dossier: Dossier) -> list[str]:
    """Names of the steps this user may take now (their check() passes; the same the pages offer)."""
    return [action.name for action in available_actions(user, dossier)]


def dossier_publicities(dossier: Dossier) -> QuerySet[Publicity]:
    return dossier.publicities.order_by("-start", "-id")


def publicity_documents(dossier: Dossier) -> list[tuple[Any, str]]:
    """The 推荐单位公示 and 公示结果 files attached to the dossier (notice 五(一)13), with a link each."""
    docs = GeneratedDocument.objects.filter(
        dossier=dossier, kind__in=[DocumentKind.PUBLICITY_NOTICE, DocumentKind.PUBLICITY_RESULT]
    ).order_by("kind", "-created_at")
    return [(doc, reverse("documents:download", args=[doc.pk])) for doc in docs]


def unit_publicities(user: User) -> QuerySet[Publicity]:
    units = [org for level, org in reviewer_levels(user) if level == "unit"]
    return Publicity.objects.filter(unit__in=units).prefetch_related("dossiers__applicant").order_by("-start", "-id")


def publicity_for_reviewer(user: User, publicity_id: int) -> Publicity:
    publicity = unit_publicities(user).filter(pk=publicity_id).first()
    if publicity is None:
        raise Http404("未找到该公示，或您无权查看。")
    return publicity


# ---- returns as the applicant sees them --------------------------------------------------------------


@dataclass
class ReturnInfo:
    transition: Transition
    level: str
    deadline: dt.datetime | None
    by_section: dict[str, list[str]]
    # The return ended the application (at the last allowed submission): no resubmission.
    final: bool = False

    @property
    def seconds_left(self) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - timezone.now()).total_seconds()))

    @property
    def hours_left(self) -> int | None:
        seconds = self.seconds_left
        return None if seconds is None else math.ceil(seconds / 3600)


def open_return(dossier: Dossier) -> ReturnInfo | None:
    """The return the applicant must act on now, or the one that ended the application (None otherwise).

    Remembered on the dossier object for its state and version (every move bumps the version): a returned
    dossier's page asks once per section."""
    key = (dossier.status, dossier.version)
    remembered = getattr(dossier, "_open_return", None)
    if remembered is not None and remembered[0] == key:
        return cast(ReturnInfo | None, remembered[1])
    info = _read_open_return(dossier)
    dossier._open_return = (key, info)  # type: ignore[attr-defined]
    return info


def _read_open_return(dossier: Dossier) -> ReturnInfo | None:
    final = dossier.status == RETURNED_FINAL
    if dossier.status != RETURNED and not final:
        return None
    record = dossier.transitions.filter(action="return").order_by("-id").first()
    if record is None:
        return None
    by_section: dict[str, list[str]] = {}
    for item in record.reasons:
        by_section.setdefault(item.get("section", ""), []).append(item.get("reason", ""))
    return ReturnInfo(
        transition=record,
        level=dossier.returned_by_level,
        deadline=None if final else dossier.return_deadline,
        by_section=by_section,
        final=final,
    )


def return_reasons_for_section(dossier: Dossier, section_key: str) -> list[str]:
    info = open_return(dossier)
    return info.by_section.get(section_key, []) if info else []


# ---- submissions: what changed -----------------------------------------------------------------------


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i + 1}]"))
        if not value:
            out[prefix] = []
        return out
    return {prefix: value}


@dataclass
class Change:
    section: str
    title: str
    path: str
    before: Any
    after: Any


@dataclass
class SubmissionDiff:
    before: Submission | None
    after: Submission
    changes: list[Change]


def _section_titles(dossier: Dossier) -> dict[str, str]:
    return {s["key"]: s["title"] for s in dossier.round.policy.sections}


def _attachment_view(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Attachments keyed by section and file hash, so a re-upload of the same image is no change; each key
    starts with the material's name in words (the doc type's label, never its key)."""
    result: dict[str, Any] = {}
    for a in snapshot.get("attachments") or []:
        section = a.get("section", "")
        label = doc_type_label(section, a["doc_type"]) if a.get("doc_type") else "附件"
        result.setdefault(section, {})[f"{label}:{str(a.get('sha256', ''))[:10]}"] = a.get("original_name", "")
    return result


def snapshot_diff(dossier: Dossier, before: dict[str, Any] | None, after: dict[str, Any]) -> list[Change]:
    titles = _section_titles(dossier)
    changes: list[Change] = []
    old_sections = (before or {}).get("sections") or {}
    new_sections = after.get("sections") or {}
    for key in [k for k in titles if k in old_sections or k in new_sections]:
        a = _flatten(old_sections.get(key, {}))
        b = _flatten(new_sections.get(key, {}))
        for path in sorted(set(a) | set(b)):
            if a.get(path) != b.get(path):
                before_value = None if path not in a else field_value_label(key, path, a[path])
                after_value = None if path not in b else field_value_label(key, path, b[path])
                changes.append(Change(key, titles[key], field_path_label(key, path), before_value, after_value))
    old_files, new_files = _attachment_view(before or {}), _attachment_view(after)
    for key in sorted(set(old_files) | set(new_files)):
        removed = set(old_files.get(key, {})) - set(new_files.get(key, {}))
        added = set(new_files.get(key, {})) - set(old_files.get(key, {}))
        for item in sorted(removed):
            changes.append(
                Change(key, titles.get(key, "附件"), f"附件：{item.split(':')[0]}", old_files[key][item], None)
            )
        for item in sorted(added):
            changes.append(
                Change(key, titles.get(key, "附件"), f"附件：{item.split(':')[0]}", None, new_files[key][item])
            )
    return changes


def submission_diffs(dossier: Dossier) -> list[SubmissionDiff]:
    """Each submission against the one before it (the first against nothing), newest first."""
    submissions = list(dossier.submissions.order_by("number"))
    diffs = []
    previous: Submission | None = None
    for sub in submissions:
        if previous is not None:
            diffs.append(
                SubmissionDiff(
                    before=previous, after=sub, changes=snapshot_diff(dossier, previous.snapshot, sub.snapshot)
                )
            )
        previous = sub
    return list(reversed(diffs))


# ---- notifications -----------------------------------------------------------------------------------


def notifications_of(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("dossier")


# ---- the review page's materials: sections, attachments, the reviewer's checklist ----------------------


@dataclass
class ReviewAttachment:
    attachment: Attachment
    label: str
    checked: bool

    @property
    def pk(self) -> int:
        return self.attachment.pk


@dataclass
class ReviewSection:
    key: str
    number: int
    title: str
    display: Any
    attachments: list[ReviewAttachment]
    standard_reasons: list[str]


def review_sections(user: User, dossier: Dossier) -> list[ReviewSection]:
    """Every section in the notice's order with its values, its attachments (each with this reviewer's tick)
    and the policy's standard return reasons for it."""
    data = section_data(dossier)
    by_section = attachments_by_section(dossier)
    ticked = set(
        AttachmentCheck.objects.filter(reviewer=user, attachment__dossier=dossier).values_list(
            "attachment_id", flat=True
        )
    )
    policy = dossier.round.policy
    return [
        ReviewSection(
            key=meta["key"],
            number=meta["number"],
            title=meta["title"],
            display=section_display(meta["key"], data.get(meta["key"])),
            attachments=[
                ReviewAttachment(a, _review_label(meta["key"], a.doc_type), a.pk in ticked)
                for a in by_section.get(meta["key"], [])
            ],
            standard_reasons=policy.return_reasons(meta["key"]),
        )
        for meta in policy.sections
    ]


def _review_label(section: str, doc_type: str) -> str:
    """The attachment's label; the unit's signed publicity records are marked as the unit's (notice 五(二))."""
    return doc_type_label(section, doc_type) + ("（推荐单位上传）" if is_unit_record(section, doc_type) else "")


def checklist_progress(sections: list[ReviewSection]) -> tuple[int, int]:
    """(ticked, total) attachments of the review page."""
    items = [a for s in sections for a in s.attachments]
    return sum(a.checked for a in items), len(items)
