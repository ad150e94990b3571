"""Whether the default cache may hold what another process changes, and forgetting it when it does."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import transaction


def shared_cache() -> bool:
    """True when every process (web servers, workers) reads and writes the same cache (settings.SHARED_CACHE:
    Redis in production). A per-process cache must not keep anything another process can change: that
    process's write could not forget this one's copy."""
    return bool(getattr(settings, "SHARED_CACHE", False))


def forget_after_commit(*keys: str) -> None:
    """Delete these keys of a shared cache once the current transaction commits (at once outside one): a reader
    after the commit reads the new rows and caches them again. Nothing to do with a per-process cache, which
    keeps none of this."""
    if shared_cache():
        transaction.on_commit(lambda: cache.delete_many(list(keys)))
