"""Every list page and API of reviewers, the office and experts costs the same number of queries whatever the
number of dossiers (issue 14 point 1): each is requested at two data sizes and the counts must be equal.

The second size is added with the scale benchmark's bulk seeding (benchmarks/seeding.py: dossiers in every state
of the chain, publicities, return deadlines, expert assignments), the first request of each page warms caches.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.seeding import grow_to
from tests.committee.stage import open_committee_windows
from workflow.models import Notification

pytestmark = pytest.mark.django_db

SMALL, LARGE = 12, 60  # every state of the seeding's mix appears at both sizes

PAGES = [
    ("demo_unit", "/review/"),
    ("demo_unit", "/review/?all=1"),
    ("demo_unit", "/review/publicity/"),
    ("demo_unit", "/api/workflow/queue"),
    ("demo_county", "/review/"),
    ("demo_county", "/review/?days_left=3&all=1"),
    ("demo_county", "/api/workflow/queue?days_left=3&all=true"),
    ("demo_prefecture", "/review/"),
    ("demo_prefecture", "/review/?all=1"),
    ("demo_prefecture", "/api/workflow/queue?all=true"),
    ("demo_prefecture", "/documents/batches/"),
    ("demo_prefecture", "/documents/roster/"),
    ("demo_prefecture", "/committee/office/experts/"),
    ("demo_prefecture", "/committee/office/{slug}/"),
    ("demo_prefecture", "/committee/office/{slug}/fees/"),
    ("demo_prefecture", "/committee/office/{slug}/paper/"),
    ("demo_prefecture", "/committee/office/{slug}/defence/"),
    ("demo_prefecture", "/committee/office/{slug}/draws/"),
    ("demo_prefecture", "/committee/office/{slug}/meetings/"),
    ("demo_prefecture", "/committee/office/{slug}/results/"),
    ("demo_prefecture", "/committee/fraud/"),
    ("demo_prefecture", "/api/committee/office/rounds/{slug}/board"),
    ("demo_expert", "/committee/review/"),
    ("demo_expert", "/api/committee/review/assignments"),
    ("demo_applicant", "/review/notifications/"),
    ("demo_applicant", "/api/workflow/notifications"),
]


def _queries(client, user, url: str) -> int:
    client.force_login(user)
    client.get(url)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def _notify(user, n: int) -> None:
    Notification.objects.bulk_create([Notification(recipient=user, title=f"通知 {i}") for i in range(n)])


@pytest.fixture
def committee_round(open_round):
    return open_committee_windows(open_round)


@pytest.mark.parametrize(("user", "url"), PAGES)
def test_list_costs_the_same_queries_at_both_sizes(client, demo_users, committee_round, user, url):
    url = url.format(slug=committee_round.slug)
    grow_to(SMALL)
    _notify(demo_users["demo_applicant"], 3)
    small = _queries(client, demo_users[user], url)
    grow_to(LARGE)
    _notify(demo_users["demo_applicant"], 30)
    large = _queries(client, demo_users[user], url)
    assert large == small, f"{url} as {user}: {small} queries at {SMALL} dossiers, {large} at {LARGE}"


def test_queue_rows_hold_the_larger_data(client, demo_users, open_round):
    """The measured pages are not empty: the prefecture queue lists the bulk dossiers and pages them."""
    grow_to(LARGE * 2)
    client.force_login(demo_users["demo_prefecture"])
    body = client.get("/api/workflow/queue", {"all": "true", "limit": 20}).json()
    assert len(body["items"]) == 20 and body["count"] > 20 and body["pages"] > 1


def test_dossier_page_reads_each_table_once(client, filled_dossier, applicant):
    """The applicant's dossier page (15 sections) asks for sections and attachments once each, not per section."""
    client.force_login(applicant)
    client.get(f"/dossiers/{filled_dossier.pk}/")  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/dossiers/{filled_dossier.pk}/").status_code == 200

    def reads(table: str) -> int:
        return sum(f'FROM "{table}"' in q["sql"] for q in ctx.captured_queries)

    # Once for the page, plus the CE-exemption document's own look-up of one section (it was 36 and 19).
    assert reads("dossiers_dossiersection") <= 2
    assert reads("dossiers_attachment") <= 5
    assert len(ctx) <= 30
