"""The dossier counts kept as the data changes (workflow.models.DossierTally) always equal a fresh GROUP BY of the
dossiers: along a real journey through the services and actions, after edits of the key fields and deletions,
after bulk writes repaired by recount_tallies; and the queue's and status counts read from them equal the
counts of the dossiers themselves."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import TestCase
from django.utils import timezone

from benchmarks.seeding import grow_to
from dossiers.access import dossiers_in_scope_by_unit_ids
from dossiers.models import Dossier, TallyKey
from workflow import selectors, services
from workflow.actions import act
from workflow.models import DossierTally
from workflow.selectors import QueueFilters, queue_page, reviewer_queue, status_counts
from workflow.tallies import recount_tallies

from .conftest import file_unit_records, submit

pytestmark = pytest.mark.django_db


def counted() -> Counter[TallyKey]:
    """The cells as the dossiers hold them now (one GROUP BY)."""
    rows = Dossier.objects.order_by().values_list("round_id", "unit_id", "status", "level", "kind", "submission_count")
    return Counter((r, u, s, lv, k, c > 0) for r, u, s, lv, k, c in rows)


def tallied() -> Counter[TallyKey]:
    cells = DossierTally.objects.values_list("round_id", "unit_id", "status", "level", "kind", "filed", "n")
    return Counter({(r, u, s, lv, k, f): n for r, u, s, lv, k, f, n in cells if n})


def assert_exact() -> None:
    assert tallied() == counted()
    assert not DossierTally.objects.filter(n__lt=0).exists()


def _committed():
    return TestCase.captureOnCommitCallbacks(execute=True)


def _after(end: dt.date):
    day = end + dt.timedelta(days=1)
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0))), tick=False)


def test_tallies_follow_a_journey_through_the_services(new_dossier, demo_users):
    unit, county, prefecture = demo_users["demo_unit"], demo_users["demo_county"], demo_users["demo_prefecture"]
    dossier = new_dossier()  # dossiers.services.dossier_create
    assert_exact()
    assert tallied()[dossier.tally_key()] == 1
    submit(dossier)
    assert_exact()
    act(action="return", dossier_id=dossier.pk, actor=unit, reasons=[{"section": "basic_info", "reason": "照片模糊"}])
    assert_exact()
    submit(dossier)  # resubmission
    assert_exact()
    act(action="unit_accept", dossier_id=dossier.pk, actor=unit)
    with _committed():
        publicity = services.publicity_start(
            dossier_ids=[dossier.pk], actor=unit, start=timezone.localdate(), contact="人事科，0996-2024500"
        )
    assert_exact()
    with _after(publicity.end):
        with _committed():
            services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
        file_unit_records(dossier, unit)
        act(action="recommend", dossier_id=dossier.pk, actor=unit)
        act(action="county_accept", dossier_id=dossier.pk, actor=county)
        act(action="county_approve", dossier_id=dossier.pk, actor=county)
        assert_exact()
        received = act(action="prefecture_accept", dossier_id=dossier.pk, actor=prefecture)
    assert received.status == "committee_received"
    assert_exact()
    # A second applicant's dossier is returned and abandoned by the sweep once the deadline has passed.
    other = submit(new_dossier("demo_applicant2"))
    act(
        action="return",
        dossier_id=other.pk,
        actor=demo_users["demo_unit_qm"],
        reasons=[{"section": "basic_info", "reason": "缺少证件"}],
    )
    assert services.return_deadlines_process(now=timezone.now() + dt.timedelta(hours=49))["abandoned"] == [other.pk]
    assert_exact()
    cells = tallied()
    assert cells[received.tally_key()] == 1 and cells[Dossier.objects.get(pk=other.pk).tally_key()] == 1
    assert {key[2] for key in cells} == {"committee_received", "abandoned"}


def test_level_kind_and_unit_edits_move_the_dossier_between_cells(submitted, orgs):
    dossier = Dossier.objects.get(pk=submitted.pk)
    dossier.level = "junior"
    dossier.save(update_fields=["level"])
    assert_exact()
    dossier.kind = "initial"
    dossier.unit = orgs["U-QMYH"]
    dossier.save()
    assert_exact()
    assert tallied() == Counter({dossier.tally_key(): 1})
    # A change not listed in update_fields is not written, so it moves nothing.
    dossier.level = "mid"
    dossier.save(update_fields=["version"])
    assert_exact()


def test_a_stale_instance_counts_what_the_row_held(submitted, demo_users):
    """The old cell is read from the row: an instance loaded before someone else moved the dossier does not
    count a move from where it thinks the dossier was."""
    stale = Dossier.objects.get(pk=submitted.pk)
    act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"])
    stale.kind = "conferral"
    stale.save(update_fields=["kind"])  # writes the kind only: the row stays in unit_review
    assert_exact()
    assert tallied() == Counter({Dossier.objects.get(pk=submitted.pk).tally_key(): 1})
    stale.save()  # a full save writes its old state back: the counts follow the row
    assert_exact()


def test_deleting_dossiers_takes_them_out_of_their_cells(new_dossier, submitted):
    draft = new_dossier("demo_applicant2")
    assert sum(tallied().values()) == 2
    Dossier.objects.get(pk=draft.pk).delete()
    assert_exact()
    Dossier.objects.filter(pk=submitted.pk).delete()  # QuerySet.delete, one statement
    assert_exact()
    assert not tallied()


def test_recount_repairs_a_corrupted_table_and_is_idempotent(submitted, new_dossier):
    new_dossier("demo_applicant2")
    assert_exact()
    table = connection.ops.quote_name(DossierTally._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET n = n + 7")
        cursor.execute(f"DELETE FROM {table} WHERE filed = %s", [True])
    assert tallied() != counted()
    out = io.StringIO()
    call_command("recount_tallies", stdout=out)
    assert "2 份申报" in out.getvalue()
    assert_exact()
    rows = DossierTally.objects.values_list("round_id", "unit_id", "status", "level", "kind", "filed", "n")
    first = set(rows)
    assert recount_tallies() == {"cells": 2, "dossiers": 2}
    assert set(rows.all()) == first


def test_bulk_seeding_recounts(demo_users, open_round):
    grow_to(24)  # bulk_create, then recount_tallies
    assert_exact()
    assert sum(tallied().values()) == 24


FILTERS = [
    QueueFilters(),
    QueueFilters(mine=False),
    QueueFilters(status="submitted"),
    QueueFilters(status="returned", mine=False),
    QueueFilters(level="junior"),
    QueueFilters(kind="evaluation", mine=False),
    QueueFilters(unit="U-KRLJT", mine=False),
    QueueFilters(unit="U-KRLJT", level="mid", kind="evaluation"),
    QueueFilters(status="draft", mine=False),
    QueueFilters(days_left=3, mine=False),
]


@pytest.mark.parametrize("username", ["demo_unit", "demo_county", "demo_prefecture"])
def test_queue_and_status_counts_equal_the_dossiers_counts(demo_users, open_round, username):
    grow_to(60)  # every state of the seeding's mix, over both demo units
    user = demo_users[username]
    for filters in FILTERS:
        page = queue_page(user, filters, limit=5)
        expected = reviewer_queue(user, filters).count()
        assert page.count == expected, filters
        assert page.page.paginator.num_pages == max(1, -(-expected // 5))
    assert any(queue_page(user, f).count for f in FILTERS)
    rows = dossiers_in_scope_by_unit_ids(user).order_by().values("status").annotate(n=Count("pk"))
    assert {s: n for s, _, n in status_counts(user)} == {r["status"]: r["n"] for r in rows}


def test_a_queue_filtered_by_days_left_counts_its_review_states_from_the_cells(demo_users, open_round):
    """With the days left, the review states (on their round's window) are counted from the cells, the returned
    and publicised dossiers (on clocks of their own) on the dossiers; tests/workflow/test_queue_deadlines.py
    compares both with the deadline's CASE over a mixed data set."""
    grow_to(60)
    user = demo_users["demo_prefecture"]
    today = open_round.policy.window("review").end  # every review state is due today
    filters = QueueFilters(days_left=3, mine=False)
    scope = selectors.queue_scope(user)
    before = selectors.queue_count(scope, filters, today=today)
    assert before == reviewer_queue(user, filters, today=today).count() > 0
    DossierTally.objects.filter(status__in=["returned", "unit_publicity"]).update(n=0)  # not read for those
    assert selectors.queue_count(scope, filters, today=today) == before
    DossierTally.objects.filter(status="submitted", filed=True).update(n=0)
    assert selectors.queue_count(scope, filters, today=today) < before
    recount_tallies()
    assert selectors.queue_count(scope, filters, today=today) == before


def test_the_queue_counts_from_the_cells_not_the_dossiers(demo_users, open_round):
    """The total comes from the cells: a corrupted cell shows in the count (and recount repairs it)."""
    grow_to(60)
    user = demo_users["demo_prefecture"]
    filters = QueueFilters(mine=False)
    before = queue_page(user, filters).count
    DossierTally.objects.filter(status="submitted", filed=True).update(n=0)
    assert queue_page(user, filters).count < before
    recount_tallies()
    assert queue_page(user, filters).count == before


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_fills_the_counts_of_existing_dossiers(submitted, new_dossier):
    new_dossier("demo_applicant2")
    DossierTally.objects.all().delete()  # as before the migration: dossiers, no counts
    call_command("migrate", "workflow", "0005", verbosity=0)
    call_command("migrate", "workflow", "0006", verbosity=0)
    assert_exact()
    assert sum(tallied().values()) == 2
