"""What `/healthz` checks: the database, the cache (Redis in production) and file storage, each answered
within the request so that a load balancer takes a broken app server out of rotation."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 answered something else")


def _cache() -> None:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    if cache.get(key) != "ok":
        raise RuntimeError("the cache lost a value it was just given")
    cache.delete(key)


def _storage() -> None:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != b"ok":
                raise RuntimeError("storage returned other bytes than it was given")
    finally:
        default_storage.delete(name)


def _queue() -> None:
    """The huey queue answers (Redis in production): a web server that cannot queue OCR or PDFs is unhealthy."""
    from huey.contrib.djhuey import HUEY  # why: djhuey builds its queue from settings at import, after setup

    HUEY.storage.queue_size()  # raises when Redis (or the SQLite file) does not answer


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "cache": _cache, "storage": _storage}
if not getattr(settings, "HUEY_IMMEDIATE", False):
    CHECKS["queue"] = _queue


def health_report() -> tuple[bool, dict[str, dict[str, object]]]:
    """(all healthy, per check: ok, milliseconds, error)."""
    report: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever its kind
            report[name] = {"ok": False, "ms": _ms(started), "error": f"{type(exc).__name__}: {exc}"}
        else:
            report[name] = {"ok": True, "ms": _ms(started)}
    return all(item["ok"] for item in report.values()), report


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
