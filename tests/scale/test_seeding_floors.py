"""The scale benchmark's seeding with floors (benchmarks/seeding.py) makes every list page it times full at its
smallest size, so the cost ratio between sizes compares pages of the same rows: two full pages of the demo
expert's assignments (the API's 200 a page) and of the demo unit's, county's and prefecture's queues (50 a page,
and the county's "≤ 3 days left" view), a committee board with a page 5 and more than a page of the demo unit's
publicities."""

from __future__ import annotations

import pytest

from benchmarks.seeding import EXPERT_FLOOR, QUEUE_FLOOR, bulk_count, grow_to
from committee.models import ExpertAssignment
from tests.committee.stage import open_committee_windows
from workflow.selectors import QUEUE_MAX_PAGE_SIZE, QUEUE_PAGE_SIZE

pytestmark = pytest.mark.django_db

SMALLEST = 1000  # the benchmark's smallest size


def _json(client, user, url: str) -> dict:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.json()


def test_floors_fill_every_timed_list_at_the_smallest_size(client, demo_users, open_round):
    committee_round = open_committee_windows(open_round)
    grow_to(EXPERT_FLOOR + QUEUE_FLOOR // 2, floors=True)  # in two steps, across a floor's end: same layout
    grow_to(SMALLEST, floors=True)
    assert bulk_count() == SMALLEST
    expert = demo_users["demo_expert"]
    assert ExpertAssignment.objects.filter(expert=expert).count() >= 2 * QUEUE_MAX_PAGE_SIZE
    second = _json(client, expert, "/api/committee/review/assignments?page=2")
    assert len(second) == QUEUE_MAX_PAGE_SIZE
    for username, query in [
        ("demo_unit", ""),
        ("demo_county", ""),
        ("demo_county", "?days_left=3&all=true"),
        ("demo_prefecture", ""),
    ]:
        body = _json(client, demo_users[username], f"/api/workflow/queue{query}")
        assert body["count"] >= 2 * QUEUE_PAGE_SIZE and len(body["items"]) == QUEUE_PAGE_SIZE, (username, query)
    board = _json(client, demo_users["demo_prefecture"], f"/api/committee/office/rounds/{committee_round.slug}/board")
    assert board["pages"] >= 5
    # The demo unit's publicities: more than one page of the list (20 a page) at the smallest size.
    client.force_login(demo_users["demo_unit"])
    second_page = client.get("/review/publicity/?page=2").context["page_obj"]
    assert second_page.number == 2 and len(second_page.object_list) > 0


def test_without_floors_the_mix_starts_at_once(demo_users, open_round):
    """The tests' small sizes (grow_to without floors) still hold every state of the mix from the first dozen."""
    from dossiers.models import Dossier

    grow_to(12)
    assert Dossier.objects.filter(serial_number__startswith="SC-").values("status").distinct().count() == 10
