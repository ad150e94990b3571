"""Whether the default cache may hold what another process changes."""

from __future__ import annotations

from django.conf import settings


def shared_cache() -> bool:
    """True when every process (web servers, workers) reads and writes the same cache (settings.SHARED_CACHE:
    Redis in production). A per-process cache must not keep anything another process can change: that
    process's write could not forget this one's copy."""
    return bool(getattr(settings, "SHARED_CACHE", False))
