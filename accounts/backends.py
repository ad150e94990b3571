"""Sign-in lock-out for every sign-in that comes through a request, and the signed-in user read per request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from core.cache import forget_after_commit, row_copies, shared_cache


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, applied to sign-ins made through a request (the login page, the admin).

    Sign-ins without a request (the test client's `login()`, a management command) have no address to
    lock and no attacker behind them; they fall through to UserBackend (Django's ModelBackend) instead of failing.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class UserBackend(ModelBackend):
    """Django's ModelBackend, whose per-request read of the signed-in user (`get_user`: one SELECT on every
    request) answers from the cache where every process shares it (`SHARED_CACHE`: Redis in production).

    The row's values are kept `USER_TTL` seconds and forgotten after any save or deletion of the user commits
    (a password set, the account deactivated, the last sign-in written), so the session's password check and
    `is_active` see a change on the next request. A change made outside the ORM (SQL by hand) is seen within
    `USER_TTL`; a restore forgets every entry (`core.cache.forget_row_copies`). The entry names the fields it
    holds: after a migration adds or drops one, older entries are read as missing."""

    def get_user(self, user_id: Any) -> User | None:
        if not shared_cache():
            return super().get_user(user_id)
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _cached_user(pk)
        if user is None:
            user = User._default_manager.filter(pk=pk).first()
            if user is None:
                return None
            cache.set(_user_key(pk), _user_entry(user), USER_TTL)
        return user if self.user_can_authenticate(user) else None


USER_TTL = 60


_USER_PREFIX = row_copies("auth-user:")


def _user_key(pk: int) -> str:
    return f"{_USER_PREFIX}{pk}"


def _field_names() -> list[str]:
    return [f.attname for f in User._meta.concrete_fields]


def _user_entry(user: User) -> dict[str, Any]:
    names = _field_names()
    return {"fields": names, "values": [getattr(user, name) for name in names]}


def _cached_user(pk: int) -> User | None:
    entry = cache.get(_user_key(pk))
    if not isinstance(entry, dict) or entry.get("fields") != _field_names():
        return None
    return User.from_db(DEFAULT_DB_ALIAS, entry["fields"], entry["values"])


@receiver(post_save, sender=User, dispatch_uid="accounts.backends.user_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.backends.user_deleted")
def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    forget_after_commit(_user_key(instance.pk))
