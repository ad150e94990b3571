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
from committee.models import Fee
from committee.office import office_prefectures, office_unit_ids
from dossiers.access import dossiers_in_scope_by_unit_ids, dossiers_in_scope_of_reviewer, dossiers_under
from dossiers.models import Dossier
from tests.committee.stage import open_committee_windows
from workflow.models import Notification

pytestmark = pytest.mark.django_db

SMALL, LARGE = 12, 60  # every state of the seeding's mix appears at both sizes

PAGES = [
    ("demo_unit", "/review/"),
    ("demo_unit", "/review/?all=1"),
    ("demo_unit", "/review/publicity/"),
    ("demo_unit", "/review/publicity/?page=2"),
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
    ("demo_prefecture", "/documents/batches/?page=2"),
    ("demo_prefecture", "/committee/office/{slug}/"),
    ("demo_prefecture", "/committee/office/{slug}/?page=2"),
    ("demo_prefecture", "/committee/office/{slug}/?step=待收纸质评审表"),
    ("demo_prefecture", "/committee/office/{slug}/?overdue=1"),
    ("demo_prefecture", "/committee/office/{slug}/fees/"),
    ("demo_prefecture", "/committee/office/{slug}/fees/?fee=unpaid&page=2"),
    ("demo_prefecture", "/committee/office/{slug}/paper/"),
    ("demo_prefecture", "/committee/office/{slug}/paper/?page=2"),
    ("demo_prefecture", "/committee/office/{slug}/defence/"),
    ("demo_prefecture", "/committee/office/{slug}/draws/"),
    ("demo_prefecture", "/committee/office/{slug}/meetings/"),
    ("demo_prefecture", "/committee/office/{slug}/results/"),
    ("demo_prefecture", "/committee/fraud/"),
    ("demo_prefecture", "/committee/fraud/?page=2"),
    ("demo_prefecture", "/api/committee/office/rounds/{slug}/board"),
    ("demo_prefecture", "/api/committee/office/rounds/{slug}/board?step=待缴费&page=2&limit=5"),
    ("demo_expert", "/committee/review/"),
    ("demo_expert", "/committee/review/?page=2"),
    ("demo_expert", "/api/committee/review/assignments"),
    ("demo_expert", "/api/committee/review/assignments?page=2&limit=2"),
    ("demo_applicant", "/review/notifications/"),
    ("demo_applicant", "/review/notifications/?page=2"),
    ("demo_applicant", "/api/workflow/notifications"),
    ("demo_applicant", "/api/workflow/notifications?page=2&limit=20"),
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
    _notify(demo_users["demo_applicant"], 120)
    large = _queries(client, demo_users[user], url)
    assert large == small, f"{url} as {user}: {small} queries at {SMALL} dossiers, {large} at {LARGE}"


def test_queue_rows_hold_the_larger_data(client, demo_users, open_round):
    """The measured pages are not empty: the prefecture queue lists the bulk dossiers and pages them."""
    grow_to(LARGE * 2)
    client.force_login(demo_users["demo_prefecture"])
    body = client.get("/api/workflow/queue", {"all": "true", "limit": 20}).json()
    assert len(body["items"]) == 20 and body["count"] > 20 and body["pages"] > 1


def test_office_board_pages_the_bulk_dossiers_and_counts_them_in_sql(client, demo_users, committee_round):
    """The board at the larger size: a page holds its limit, the step counts add up to the board's count,
    a step's filter lists only that step, and the fees page totals every fee (not only the page's)."""
    grow_to(LARGE * 6)  # more than one page of the board (50 rows) at the committee
    client.force_login(demo_users["demo_prefecture"])
    api = f"/api/committee/office/rounds/{committee_round.slug}/board"
    body = client.get(api, {"limit": 10}).json()
    assert len(body["items"]) == 10 and body["pages"] > 2 and sum(body["steps"].values()) == body["count"]
    for step, n in body["steps"].items():
        only = client.get(api, {"step": step, "limit": 200}).json()
        assert only["count"] == n and {r["step"] for r in only["items"]} == {step}
    last = client.get(api, {"limit": 10, "page": body["pages"]}).json()
    assert not {r["dossier_id"] for r in last["items"]} & {r["dossier_id"] for r in body["items"]}
    fees = Fee.objects.filter(dossier__round=committee_round)
    due = sum(f.amount_yuan for f in fees)
    page = client.get(f"/committee/office/{committee_round.slug}/fees/").content.decode()
    assert f'id="due-total">{due}<' in page and 'class="pagination"' in page


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


@pytest.mark.parametrize("username", ["demo_unit", "demo_county", "demo_prefecture"])
def test_scope_by_unit_ids_is_the_reviewers_scope(demo_users, open_round, username):
    """The queue reads the scope as `unit_id IN (ids)` (an index walk for the every-state view) and the office
    by its units: both must hold exactly the dossiers of the chain rule (dossiers.access)."""
    grow_to(LARGE)
    user = demo_users[username]
    by_rule = set(dossiers_in_scope_of_reviewer(user).values_list("pk", flat=True))
    assert by_rule and set(dossiers_in_scope_by_unit_ids(user).values_list("pk", flat=True)) == by_rule
    if username == "demo_prefecture":
        under = set(dossiers_under(office_prefectures(user)[0]).values_list("pk", flat=True))
        assert set(Dossier.objects.filter(unit_id__in=office_unit_ids(user)).values_list("pk", flat=True)) == under


def test_review_page_reads_the_reviewers_roles_once_for_all_its_steps(client, demo_users, open_round, orgs):
    """Every step's check() asks whether the reviewer holds a role: the page reads the roles once, not per step
    (34 queries, 11 of them role look-ups, before)."""
    from tests.documents.conftest import make_dossier, walk_to

    dossier = walk_to(
        make_dossier(round_=open_round, applicant=demo_users["demo_applicant"], unit=orgs["U-KRLJT"]),
        "prefecture_review",
    )
    client.force_login(demo_users["demo_prefecture"])
    client.get(f"/review/dossier/{dossier.pk}/")  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/review/dossier/{dossier.pk}/").status_code == 200
    roles = [q for q in ctx.captured_queries if 'FROM "accounts_roleassignment"' in q["sql"]]
    assert len(roles) <= 3, [q["sql"][:120] for q in roles]
    assert len(ctx) <= 26
