"""The review page's "next dossier" (workflow.selectors.next_in_queue) is the one after the current dossier in the
reviewer's queue order (submission time, then id, the unsent last), wrapping to the queue's first; a dossier that
has just left the queue is followed by the first one that sorted after it. Checked against the queue read whole,
with equal submission times and an unsent dossier among them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from benchmarks.seeding import grow_to
from dossiers.models import Dossier
from workflow.selectors import next_in_queue, reviewer_queue

pytestmark = pytest.mark.django_db

FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def _key(d: Dossier) -> tuple[bool, dt.datetime, int]:
    return (d.submitted_at is None, d.submitted_at or FAR, d.pk)


def _expected(queue: list[Dossier], current: Dossier) -> Dossier | None:
    later = [d for d in queue if d.pk != current.pk and _key(d) > _key(current)]
    others = [d for d in queue if d.pk != current.pk]
    candidates = later or others
    return candidates[0] if candidates else None


@pytest.fixture
def queue_data(demo_users, open_round):
    grow_to(60)
    waiting = list(Dossier.objects.filter(status="submitted", unit__code="U-KRLJT").order_by("pk"))
    same_time = timezone.now() - dt.timedelta(days=3)
    Dossier.objects.filter(pk__in=[d.pk for d in waiting[:3]]).update(submitted_at=same_time)
    Dossier.objects.filter(pk=waiting[3].pk).update(submitted_at=None)  # sent before the field was kept
    return waiting


@pytest.mark.parametrize("username", ["demo_unit", "demo_county", "demo_prefecture"])
def test_next_is_the_one_after_it_in_the_queue_order(queue_data, demo_users, username):
    user = demo_users[username]
    queue = list(reviewer_queue(user))
    assert len(queue) > 3
    assert [d.pk for d in queue] == [d.pk for d in sorted(queue, key=_key)]
    for current in queue:
        found = next_in_queue(user, current)
        expected = _expected(queue, current)
        assert (found and found.pk) == (expected and expected.pk), current.pk


def test_after_an_action_the_next_is_the_first_that_sorted_after_it(queue_data, demo_users):
    user = demo_users["demo_unit"]
    left = [d for d in Dossier.objects.filter(status__in=["county_review", "passed"]) if d.submitted_at]
    queue = list(reviewer_queue(user))
    assert left and queue
    for current in left:  # not in the unit's queue (as after a move)
        found = next_in_queue(user, current)
        expected = _expected(queue, current)
        assert found is not None and expected is not None and found.pk == expected.pk
    unsent_current = next(d for d in queue if d.submitted_at is None)
    assert next_in_queue(user, unsent_current).pk == _expected(queue, unsent_current).pk
