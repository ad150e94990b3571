"""core.cache.RedisCache (production's cache) against a real Redis: Django's cache API as before, one client
object per pool instead of one per operation, shared safely by a web server's threads."""

from __future__ import annotations

import threading

import pytest
import redis
from django.core.cache import caches

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
    redis.Redis.from_url(REDIS_URL).flushdb()
    return caches["default"]


def test_the_cache_api_works_as_djangos(redis_cache):
    redis_cache.set("a", {"x": [1, 2]}, 30)
    assert redis_cache.get("a") == {"x": [1, 2]}
    assert redis_cache.add("a", "other") is False
    assert redis_cache.add("n", 1) is True
    assert redis_cache.incr("n", 2) == 3
    redis_cache.set_many({"b": 1, "c": 2})
    assert redis_cache.get_many(["a", "b", "c", "missing"]) == {"a": {"x": [1, 2]}, "b": 1, "c": 2}
    redis_cache.delete_many(["a", "b"])
    assert redis_cache.get("a") is None and redis_cache.get("c") == 2
    redis_cache.set("gone", 1, 0)  # a timeout of 0 deletes, as Django's
    assert redis_cache.get("gone", "default") == "default"


def test_one_client_serves_every_operation(redis_cache):
    client = redis_cache._cache.get_client()
    redis_cache.set("k", 1)
    redis_cache.get("k")
    assert redis_cache._cache.get_client(write=True) is client
    assert isinstance(client, redis.Redis)


def test_threads_share_the_client_without_mixing_answers(redis_cache):
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(200):
            key = f"t{n}-{i}"
            redis_cache.set(key, (n, i), 30)
            if redis_cache.get(key) != (n, i):
                errors.append(key)

    # One backend object (Django's handler would give each thread its own): the threads share its client.
    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_forgetting_row_copies_deletes_only_their_entries(redis_cache, settings, monkeypatch):
    """What a restore forgets: entries under a declared prefix. The huey queue, the sessions and anything
    else in the same Redis database stay (a FLUSHDB would take them all)."""
    from core import cache as core_cache

    settings.SHARED_CACHE = True
    # A prefix with Redis's glob characters is matched literally.
    monkeypatch.setattr(core_cache, "ROW_COPY_PREFIXES", ["auth-user:", "page-chrome:", "odd[1]*?:"])
    copies = {"auth-user:1": 1, "auth-user:22": 2, "page-chrome:rounds": [1], "page-chrome:user:3": {}, "odd[1]*?:a": 0}
    others = {"session:abc": "s", "auth-users-other": 1, "odd1x?:a": 0, "oddX:a": 0, "page-chrom": 1}
    redis_cache.set_many({**copies, **others}, 60)
    raw = redis.Redis.from_url(REDIS_URL)
    raw.lpush("huey.redis.titles", b"a queued task")

    assert core_cache.forget_row_copies() == len(copies)

    assert redis_cache.get_many(list(copies)) == {}
    assert redis_cache.get_many(list(others)) == others
    assert raw.lrange("huey.redis.titles", 0, -1) == [b"a queued task"]


def test_without_a_shared_cache_nothing_is_forgotten(redis_cache, settings):
    settings.SHARED_CACHE = False
    redis_cache.set("auth-user:1", 1)

    from core.cache import forget_row_copies

    assert forget_row_copies() == 0
    assert redis_cache.get("auth-user:1") == 1
