"""Whether the default cache may hold what another process changes, and forgetting it when it does."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
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


# Starts of the keys whose entries copy database rows (the signed-in user, the header's figures). The services
# forget an entry when they change its rows; a restore replaces every row behind their back, so it forgets
# every entry under these prefixes (`forget_row_copies`). Declared next to each key by `row_copies`.
ROW_COPY_PREFIXES: list[str] = []


def row_copies(prefix: str) -> str:
    """Declare that keys starting with `prefix` hold copies of database rows; returns the prefix."""
    if prefix not in ROW_COPY_PREFIXES:
        ROW_COPY_PREFIXES.append(prefix)
    return prefix


def forget_row_copies() -> int:
    """Delete every entry of the shared cache under a `row_copies` prefix; the number deleted.

    Only those: the same Redis database holds the huey queue and, in production, the sessions and sign-in
    lock-outs, which `cache.clear()` (FLUSHDB) would wipe. A shared cache of another kind is cleared whole."""
    if not shared_cache() or not ROW_COPY_PREFIXES:
        return 0
    backend: Any = caches["default"]  # the backends' internals below are not in django-stubs' declarations
    made = tuple(backend.make_key(prefix) for prefix in ROW_COPY_PREFIXES)
    if isinstance(backend, DjangoRedisCache):
        client = backend._cache.get_client(write=True)
        keys = [key for start in made for key in client.scan_iter(match=_glob_escaped(start) + "*", count=1000)]
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
        return len(keys)
    if isinstance(backend, LocMemCache):  # declared shared in tests
        local: Any = backend
        with local._lock:
            keys = [key for key in local._cache if key.startswith(made)]
            for key in keys:
                local._delete(key)
        return len(keys)
    backend.clear()
    return 0


def _glob_escaped(text: str) -> str:
    """`text` matched literally by Redis's glob-style MATCH."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class RedisCache(DjangoRedisCache):
    """Django's Redis cache, with one client object per connection pool instead of one per operation.

    Django's client builds a new `redis.Redis` for every get or set (its constructor copies ~200 response
    callbacks: ~0.1 ms), 2-3 times per request and 10 times per sign-in. A `redis.Redis` over a pool is safe to
    share between threads: the pool hands each command its own connection."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientRedisCacheClient


class _ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        django_client: Any = self  # its pool helpers are Django's own, not in django-stubs' declaration
        index = django_client._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = django_client._get_connection_pool(write)
            # setdefault: two threads building the first one keep the same.
            client = self._clients.setdefault(index, django_client._client(connection_pool=pool))
        return client
