"""The header and footer (portal.chrome): read once per page and, with a shared cache, kept there until a write
changes them — a notification written or read, a role given or taken, a round's policy changed."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization, Role, RoleAssignment
from accounts.services import role_assign
from workflow.models import Notification
from workflow.notifications import notify

pytestmark = pytest.mark.django_db

# The statements the header and footer need when nothing is cached.
CHROME_READS = ('"accounts_roleassignment"', '"workflow_notification"', "MD5(")


def _chrome_reads(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if any(mark in q["sql"] for mark in CHROME_READS)]


def _kinds(reads: list[str]) -> set[str]:
    return {mark for mark in CHROME_READS if any(mark in sql for sql in reads)}


@pytest.fixture
def applicant_client(client, demo_users, round_2023):
    client.force_login(demo_users["demo_applicant"])
    return client


def _page(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dossiers:list"))
    assert response.status_code == 200
    return response.content.decode(), _chrome_reads(ctx)


def _tell(user, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user], dossier=None, kind=Notification.Kind.TRANSITION, title="状态变更", body="正文")


def test_second_page_reads_header_and_footer_from_the_cache(applicant_client, shared_cache):
    html, reads = _page(applicant_client)
    assert _kinds(reads) == set(CHROME_READS)  # roles, unread count, policy digests: once, then kept
    assert "我的申报" in html and "巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审" in html
    again, reads = _page(applicant_client)
    assert reads == []
    assert "我的申报" in again and "巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审" in again


def test_without_a_shared_cache_every_page_reads_them(applicant_client, settings):
    settings.SHARED_CACHE = False
    cache.clear()
    for _ in range(2):
        html, reads = _page(applicant_client)
        assert _kinds(reads) == set(CHROME_READS)
        assert "我的申报" in html
    assert cache.get("page-chrome:rounds") is None


def test_a_notification_written_or_read_shows_on_the_next_page(
    applicant_client, shared_cache, demo_users, django_capture_on_commit_callbacks
):
    applicant = demo_users["demo_applicant"]
    html, _ = _page(applicant_client)
    assert "通知 1" not in html
    _tell(applicant, django_capture_on_commit_callbacks)
    html, _ = _page(applicant_client)
    assert "通知 1" in html
    _tell(applicant, django_capture_on_commit_callbacks)
    assert "通知 2" in _page(applicant_client)[0]

    # Read one through the API, then the rest on the page.
    one = Notification.objects.filter(recipient=applicant).first()
    assert one is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(f"/api/workflow/notifications/{one.pk}/read")
    assert response.json() == {"updated": 1}
    assert "通知 1" in _page(applicant_client)[0]
    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(reverse("workflow:notifications_read"))
    html, _ = _page(applicant_client)
    assert "通知 1" not in html and "通知 2" not in html


def test_someone_elses_notification_leaves_the_figure_cached(
    applicant_client, shared_cache, demo_users, django_capture_on_commit_callbacks
):
    _page(applicant_client)
    _tell(demo_users["demo_unit"], django_capture_on_commit_callbacks)
    html, reads = _page(applicant_client)
    assert reads == [] and "通知 1" not in html


def test_a_role_given_or_taken_changes_the_menu_on_the_next_page(
    applicant_client, shared_cache, demo_users, django_capture_on_commit_callbacks
):
    applicant = demo_users["demo_applicant"]
    html, _ = _page(applicant_client)
    assert "评审任务" not in html
    with django_capture_on_commit_callbacks(execute=True):
        role_assign(
            actor=None, user=applicant, role=Role.EXPERT, organization=Organization.objects.filter(kind="unit").first()
        )
    assert "评审任务" in _page(applicant_client)[0]
    with django_capture_on_commit_callbacks(execute=True):
        RoleAssignment.objects.get(user=applicant, role=Role.EXPERT).delete()
    assert "评审任务" not in _page(applicant_client)[0]


def test_a_changed_policy_changes_the_footer_on_the_next_page(
    applicant_client, shared_cache, round_2023, django_capture_on_commit_callbacks
):
    assert "工程系列公路与运输专业职称评审" in _page(applicant_client)[0]
    round_2023.policy_data = {**round_2023.policy_data, "specialty": "港口与航道"}
    with django_capture_on_commit_callbacks(execute=True):
        round_2023.save()
    html, _ = _page(applicant_client)
    assert "工程系列港口与航道专业职称评审" in html and "公路与运输专业" not in html


def test_a_write_rolled_back_keeps_the_cached_figure(applicant_client, shared_cache, demo_users):
    """The entry is forgotten after the commit: a notification whose transaction never commits changes nothing."""
    _page(applicant_client)
    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            notify(recipients=[demo_users["demo_applicant"]], dossier=None, kind="transition", title="t", body="b")
            raise RuntimeError
    html, reads = _page(applicant_client)
    assert reads == [] and "通知 1" not in html


def test_a_fragment_reads_nothing_of_the_header_or_footer(client, demo_users, open_round, settings):
    """htmx swaps in a fragment without the page's header and footer: nothing of them is read."""
    from dossiers.services import dossier_create

    settings.SHARED_CACHE = False
    applicant = demo_users["demo_applicant"]
    dossier = dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    client.force_login(applicant)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dossiers:section_nav", args=[dossier.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _chrome_reads(ctx) == []
