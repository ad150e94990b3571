"""The signed-in user read per request (accounts.backends.UserBackend): from the cache where every process
shares it, and every change to the user seen on the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization, Role, RoleAssignment, User

pytestmark = pytest.mark.django_db

PASSWORD = "Demo@2023pass"


def _user_reads(client) -> tuple[int, int]:
    """(status, SELECTs of the user table) of one request of the applicant's list page."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("dossiers:list"))
    return response.status_code, sum('FROM "accounts_user"' in q["sql"] for q in ctx.captured_queries)


def _signed_in(client, user) -> None:
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.UserBackend"


def test_sign_in_then_the_user_comes_from_the_cache(client, demo_users, round_2023, shared_cache):
    _signed_in(client, demo_users["demo_applicant"])
    assert _user_reads(client) == (200, 1)  # the last sign-in written after the sign-in: read once more
    assert _user_reads(client) == (200, 0)
    assert _user_reads(client) == (200, 0)


def test_without_a_shared_cache_every_request_reads_the_user(client, demo_users, round_2023, settings):
    settings.SHARED_CACHE = False
    cache.clear()
    _signed_in(client, demo_users["demo_applicant"])
    for _ in range(2):
        assert _user_reads(client) == (200, 1)
    assert cache.get(f"auth-user:{demo_users['demo_applicant'].pk}") is None


def test_a_password_changed_elsewhere_ends_this_session_at_once(
    client, demo_users, round_2023, shared_cache, django_capture_on_commit_callbacks
):
    user = demo_users["demo_applicant"]
    _signed_in(client, user)
    _user_reads(client)
    assert _user_reads(client) == (200, 0)
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("Another@2024pass")
        user.save()
    status, _ = _user_reads(client)
    assert status == 302  # signed out: the session's password hash no longer matches


@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_an_account_deactivated_or_deleted_is_signed_out_at_once(
    client, demo_users, round_2023, shared_cache, django_capture_on_commit_callbacks, change
):
    user = User.objects.create_user(username="leaver", password=PASSWORD)
    unit = Organization.objects.filter(kind=Organization.Kind.UNIT).first()
    RoleAssignment.objects.create(user=user, role=Role.APPLICANT, organization=unit)
    _signed_in(client, user)
    _user_reads(client)
    assert _user_reads(client) == (200, 0)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "deleted":
            user.delete()
        else:
            user.is_active = False
            user.save(update_fields=["is_active"])
    assert _user_reads(client)[0] == 302


def test_a_name_changed_shows_on_the_next_page(
    client, demo_users, round_2023, shared_cache, django_capture_on_commit_callbacks
):
    user = demo_users["demo_applicant"]
    _signed_in(client, user)
    _user_reads(client)
    with django_capture_on_commit_callbacks(execute=True):
        user.full_name = "改名后的申报人"
        user.save()
    assert "改名后的申报人" in client.get(reverse("dossiers:list")).content.decode()


def test_an_entry_of_other_fields_is_read_as_missing(client, demo_users, round_2023, shared_cache):
    """After a migration adds or drops a field, entries written before it are not used."""
    user = demo_users["demo_applicant"]
    _signed_in(client, user)
    _user_reads(client)
    key = f"auth-user:{user.pk}"
    entry = cache.get(key)
    assert entry is not None and "password" in entry["fields"]
    cache.set(key, {"fields": entry["fields"][:-1], "values": entry["values"][:-1]})
    assert _user_reads(client) == (200, 1)
    assert cache.get(key)["fields"] == entry["fields"]  # written again whole
