"""The queue's "at most N days left" filter and its count (workflow.selectors.deadline_within, queue_count) keep
the meaning of the deadline the queue shows: a returned dossier's return deadline, a publicised dossier's latest
publicity's end, otherwise its round's review window end. The filter was that CASE compared with the limit; it is
now plain conditions per branch and the count comes from the cells plus an index count, so both are compared
here with the CASE over a mixed data set: two rounds with different review windows, returned dossiers with
deadlines spread over days, publicities ending on different days (a dossier publicised twice, one under
publicity without a publicity), with "today" moved so that each branch has dossiers in and out."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db.models import CharField, DateField, F, OuterRef, Subquery, Value, When
from django.db.models.expressions import Case
from django.db.models.functions import TruncDate
from django.utils import timezone

from benchmarks.seeding import grow_to
from dossiers.models import Dossier
from dossiers.states import RETURNED, UNIT_PUBLICITY
from rounds.models import Round
from rounds.services import round_save_demo
from workflow.models import Publicity
from workflow.selectors import QueueFilters, queue_count, queue_page, queue_scope, reviewer_queue
from workflow.tallies import recount_tallies

pytestmark = pytest.mark.django_db

LATER_BY = 10  # days the second round's review window ends after the first's


def _case_deadline(rounds: list[Round]) -> tuple[Case, Subquery]:
    """The queue's deadline as the CASE defined it when the filter compared it with the limit (the reference)."""
    latest = Subquery(Publicity.objects.filter(dossiers=OuterRef("pk")).order_by("-start", "-id").values("end")[:1])
    review_whens = [
        When(
            round_id=r.pk,
            status__in=list((r.policy.workflow.get("levels") or {}).keys()),
            then=Value(r.policy.window("review").end),
        )
        for r in rounds
    ]
    return Case(
        When(status=RETURNED, return_deadline__isnull=False, then=TruncDate("return_deadline")),
        When(status=UNIT_PUBLICITY, case_publicity_end__isnull=False, then=F("case_publicity_end")),
        *review_whens,
        default=Value(None),
        output_field=DateField(),
    ), latest


def _by_case(user, filters: QueueFilters, today: dt.date) -> set[int]:
    """The dossiers of the queue without the days left whose CASE deadline is within them."""
    scope = queue_scope(user)
    limit = today + dt.timedelta(days=filters.days_left or 0)
    unfiltered = QueueFilters(**{**vars(filters), "days_left": None})
    deadline, latest_publicity_end = _case_deadline(scope.rounds)
    queue = reviewer_queue(user, unfiltered, today=today, scope=scope)
    within = queue.alias(case_publicity_end=latest_publicity_end).alias(case_deadline=deadline)
    return set(within.filter(case_deadline__lte=limit).values_list("pk", flat=True))


def _round_later_by(base: Round, days: int) -> Round:
    """A second demo round, its windows `days` later than `base`'s."""
    policy = copy.deepcopy(base.policy_data)
    for window in policy["windows"].values():
        for end in ("start", "end"):
            window[end] = (dt.date.fromisoformat(str(window[end])) + dt.timedelta(days=days)).isoformat()
    return round_save_demo(base, policy, prefix="later", label="后一批次", year=base.year)


@pytest.fixture
def mixed(demo_users, open_round):
    """Bulk dossiers in every state over the two demo units, a third of them moved to a later round; return
    deadlines one a day from today on; publicity ends spread over days, one dossier with an older publicity
    that ends later, one under publicity with none."""
    grow_to(96)
    later = _round_later_by(open_round, LATER_BY)
    ids = list(Dossier.objects.order_by("pk").values_list("pk", flat=True))
    Dossier.objects.filter(pk__in=ids[::3]).update(round=later)
    now = timezone.now()
    for day, dossier in enumerate(Dossier.objects.filter(status=RETURNED).order_by("pk")):
        Dossier.objects.filter(pk=dossier.pk).update(return_deadline=now + dt.timedelta(days=day, hours=1))
    today = timezone.localdate()
    publicised = list(Dossier.objects.filter(status=UNIT_PUBLICITY).order_by("pk"))
    Publicity.objects.filter(dossiers__in=publicised).delete()
    for day, dossier in enumerate(publicised[1:]):
        publicity = Publicity.objects.create(
            round=dossier.round,
            unit=dossier.unit,
            start=today - dt.timedelta(days=2),
            end=today + dt.timedelta(days=day),
            working_days=5,
            contact="人事科",
        )
        publicity.dossiers.add(dossier)
    older = Publicity.objects.create(
        round=publicised[1].round,
        unit=publicised[1].unit,
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=40),
        working_days=5,
        contact="人事科",
    )
    older.dossiers.add(publicised[1])  # its latest publicity (by start) ends today: it counts, not this one
    recount_tallies()  # the round moves were QuerySet.update
    return open_round, later


FILTERS = [
    QueueFilters(days_left=0, mine=False),
    QueueFilters(days_left=3, mine=False),
    QueueFilters(days_left=3),
    QueueFilters(days_left=5, status=RETURNED, mine=False),
    QueueFilters(days_left=2, status=UNIT_PUBLICITY),
    QueueFilters(days_left=1, level="mid", mine=False),
    QueueFilters(days_left=30, unit="U-KRLJT", mine=False),
    QueueFilters(days_left=-1, mine=False),
]


def _todays(first: Round) -> list[dt.date]:
    """Today, then moved: the first round's review window ends in 2 days (the later one's in 12), then the first's
    has passed and the later one's ends in 3 days."""
    review_end = first.policy.window("review").end
    return [timezone.localdate(), review_end - dt.timedelta(days=2), review_end + dt.timedelta(days=LATER_BY - 3)]


@pytest.mark.parametrize("username", ["demo_unit", "demo_county", "demo_prefecture"])
def test_the_days_left_filter_and_count_keep_the_case_s_meaning(mixed, demo_users, username):
    user = demo_users[username]
    for today in _todays(mixed[0]):
        for filters in FILTERS:
            expected = _by_case(user, filters, today)
            found = set(reviewer_queue(user, filters, today=today).values_list("pk", flat=True))
            assert found == expected, (today, filters)
            assert queue_count(queue_scope(user), filters, today=today) == len(expected), (today, filters)
            assert queue_page(user, filters, today=today, limit=5).count == len(expected)


def test_the_mixed_data_has_every_branch_in_and_out(mixed, demo_users):
    """The comparison above means something only if each branch has dossiers on both sides of the limit, and
    each round's review states are in on one day and out on another."""
    first, later = mixed
    user = demo_users["demo_prefecture"]
    sides: dict[tuple[str, bool], set[int]] = {}
    review_rounds_in: list[set[int]] = []
    for today in _todays(first):
        shown = {
            r.dossier.pk for r in queue_page(user, QueueFilters(days_left=3, mine=False), today=today, limit=200).rows
        }
        rows = queue_page(user, QueueFilters(mine=False), today=today, limit=200).rows
        assert len(rows) < 200
        for row in rows:
            inside = row.dossier.pk in shown
            assert inside == (row.days_left is not None and row.days_left <= 3)
            sides.setdefault((row.deadline_label, inside), set()).add(row.dossier.pk)
        review_rounds_in.append(
            {r.dossier.round_id for r in rows if r.deadline_label == "审核截止" and r.dossier.pk in shown}
        )
    for label in ("修改截止", "公示结束", "审核截止"):
        assert sides.get((label, True)) and sides.get((label, False)), label
    assert review_rounds_in == [set(), {first.pk}, {first.pk, later.pk}]


def _case_level(rounds: list[Round]) -> Case:
    """The level a dossier waits for as the queue's CASE defined it (the reference): its state's level in its
    round's policy."""
    whens = [
        When(round_id=r.pk, status=state, then=Value(str(level)))
        for r in rounds
        for state, level in (r.policy.workflow.get("levels") or {}).items()
    ]
    return Case(*whens, default=Value(None), output_field=CharField())


@pytest.mark.parametrize("username", ["demo_unit", "demo_county", "demo_prefecture"])
def test_rows_show_the_case_s_deadline_and_level(mixed, demo_users, username):
    """queue_rows works out each row's deadline and level from the policies in Python: the same as the CASE
    expressions the query computed before, for every branch, on every day of the comparison."""
    user = demo_users[username]
    for today in _todays(mixed[0]):
        scope = queue_scope(user)
        deadline, latest_publicity_end = _case_deadline(scope.rounds)
        reference = (
            reviewer_queue(user, QueueFilters(mine=False), today=today, scope=scope)
            .alias(case_publicity_end=latest_publicity_end)
            .annotate(case_deadline=deadline, case_level=_case_level(scope.rounds))
            .values_list("pk", "case_deadline", "case_level")
        )
        expected = {pk: ((end - today).days if end else None, level) for pk, end, level in reference}
        rows = queue_page(user, QueueFilters(mine=False), today=today, limit=200).rows
        assert len(rows) < 200 and expected
        assert {r.dossier.pk: (r.days_left, r.waiting_level) for r in rows} == expected, today
