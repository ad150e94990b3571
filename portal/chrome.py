"""What every full page's header and footer show: the menu of the user's roles, their unread count, and the
committees of the loaded rounds.

Read lazily (a fragment htmx swaps in shows none of it and reads nothing) and, where the cache is shared by
every process (`SHARED_CACHE`: Redis in production), kept in it between the writes that change it: one
cache read for the whole header and footer instead of three statements on every page. The writes forget the
entries after they commit — a role given or taken (RoleAssignment saved or deleted), a notification written
or marked read, a round's policy saved or deleted. A reader that read the database just before such a commit
can still put the older figure back; entries live `TTL` seconds, so it is gone within that. A per-process
cache is never used for this: a notification written by the worker could not forget the web server's copy.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property

from accounts.models import RoleAssignment, User
from accounts.selectors import navigation_for, roles_held
from core.cache import forget_after_commit, row_copies, shared_cache
from rounds.models import Round
from rounds.selectors import round_committees, round_digests
from workflow.models import Notification
from workflow.notifications import notifications_read, unread_count

TTL = 60  # seconds: the longest a figure can outlive its change (see above)
_PREFIX = row_copies("page-chrome:")
_ROUNDS_KEY = f"{_PREFIX}rounds"


def _user_key(user_id: int) -> str:
    return f"{_PREFIX}user:{user_id}"


class PageChrome:
    """One request's header and footer figures, read on first use (one cache round trip for all of them)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self._mine: dict[str, Any] | None = None
        self._digests: list[tuple[int, str]] | None = None

    @cached_property
    def user(self) -> User | None:
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def _load(self) -> None:
        if self._digests is not None:
            return
        keys = [_ROUNDS_KEY] + ([_user_key(self.user.pk)] if self.user else [])
        found = cache.get_many(keys) if shared_cache() else {}
        fresh: dict[str, Any] = {}
        digests = found.get(_ROUNDS_KEY)
        if digests is None:
            digests = fresh[_ROUNDS_KEY] = round_digests()
        self._digests = [(int(pk), str(digest)) for pk, digest in digests]
        if self.user:
            key = _user_key(self.user.pk)
            mine = found.get(key)
            if mine is None:
                mine = fresh[key] = {"roles": sorted(roles_held(self.user)), "unread": unread_count(self.user)}
            self._mine = mine
        if fresh and shared_cache():
            cache.set_many(fresh, TTL)

    def nav_items(self) -> list[dict[str, Any]]:
        if self.user is None:
            return []
        self._load()
        assert self._mine is not None
        return navigation_for(self.user, held=set(self._mine["roles"]))

    def unread(self) -> int:
        if self.user is None:
            return 0
        self._load()
        assert self._mine is not None
        return int(self._mine["unread"])

    def committees(self) -> list[str]:
        self._load()
        return round_committees(self._digests)

    def context(self) -> dict[str, Any]:
        """For templates: callables, each run when a template first shows it (and its figure kept)."""
        memo: dict[str, Any] = {}

        def once(name: str, read: Any) -> Any:
            def value() -> Any:
                if name not in memo:
                    memo[name] = read()
                return memo[name]

            return value

        return {
            "nav_items": once("nav", self.nav_items),
            "unread_notifications": once("unread", self.unread),
            "site_committees": once("committees", self.committees),
            "notifications_url": reverse("workflow:notifications"),
        }


@receiver(post_save, sender=RoleAssignment, dispatch_uid="portal.chrome.role_saved")
@receiver(post_delete, sender=RoleAssignment, dispatch_uid="portal.chrome.role_deleted")
def _role_changed(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    forget_after_commit(_user_key(instance.user_id))


# Not post_delete: a notification is deleted only with its dossier or its person (a receiver would make
# Django read every such row before deleting it); the figure then corrects itself within TTL.
@receiver(post_save, sender=Notification, dispatch_uid="portal.chrome.notification_saved")
def _notification_saved(sender: Any, instance: Notification, **kwargs: Any) -> None:
    forget_after_commit(_user_key(instance.recipient_id))


@receiver(notifications_read, dispatch_uid="portal.chrome.notifications_read")
def _notifications_read(sender: Any, recipient_id: int, **kwargs: Any) -> None:
    forget_after_commit(_user_key(recipient_id))


@receiver(post_save, sender=Round, dispatch_uid="portal.chrome.round_saved")
@receiver(post_delete, sender=Round, dispatch_uid="portal.chrome.round_deleted")
def _round_changed(sender: Any, instance: Round, **kwargs: Any) -> None:
    forget_after_commit(_ROUNDS_KEY)
