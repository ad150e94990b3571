"""Leases for background jobs: a running job renews its lease from a heartbeat thread; a job whose
lease ran out was lost with its worker (killed, out of memory, machine restarted) and is re-queued by
a periodic sweep. A job is judged by its heartbeat, never by its age: on a deadline day a job may wait
in the queue for hours and still be alive.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

logger = logging.getLogger(__name__)


def lease_seconds() -> float:
    return float(settings.JOB_LEASE_SECONDS)


def heartbeat_seconds() -> float:
    # A third of the lease: two beats may be missed (a busy database, a GC pause) before it runs out.
    return float(getattr(settings, "JOB_HEARTBEAT_SECONDS", None) or lease_seconds() / 3)


def lease_deadline() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=lease_seconds())


def lease_expired_q(now: dt.datetime | None = None) -> models.Q:
    """Rows whose lease ran out. A row without one (claimed before leases existed) gets one lease's grace."""
    now = now or timezone.now()
    grace = now - dt.timedelta(seconds=lease_seconds())
    return models.Q(lease_expires_at__lt=now) | models.Q(lease_expires_at__isnull=True, started_at__lt=grace)


class Heartbeat:
    """Renews `lease_expires_at` on the rows `filters` select, every `heartbeat_seconds()`.

    `lost` turns true when no row matched any more: the job was re-queued or replaced meanwhile and
    its result would be discarded anyway (the job's own version checks decide that)."""

    def __init__(self, model: type[models.Model], filters: dict[str, Any]) -> None:
        self.model, self.filters = model, filters
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{model.__name__}", daemon=True)

    def renew(self) -> bool:
        renewed = self.model._default_manager.filter(**self.filters).update(lease_expires_at=lease_deadline())
        self.lost = renewed == 0
        return not self.lost

    def _run(self) -> None:
        try:
            while not self._stop.wait(heartbeat_seconds()):
                try:
                    self.renew()
                except Exception:  # a missed beat is survivable; the next one may get through
                    logger.exception("lease heartbeat failed for %s %s", self.model.__name__, self.filters)
        finally:
            connection.close()  # this thread's own connection

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=heartbeat_seconds() + 5)


@contextmanager
def job_lease(model: type[models.Model], **filters: Any) -> Iterator[Heartbeat]:
    """Take the lease now and keep it renewed while the block runs (the worker's process is alive)."""
    beat = Heartbeat(model, filters)
    beat.renew()
    beat.start()
    try:
        yield beat
    finally:
        beat.stop()


def queued_first_args(task_name: str) -> set[Any]:
    """The first argument of every queued or scheduled (retrying) message of a task: a row waiting for
    one of these is not orphaned, however long it has waited."""
    # why: djhuey builds the queue from settings when imported; core must stay importable without it.
    from huey.contrib.djhuey import HUEY

    found: set[Any] = set()
    for task in [*HUEY.pending(), *HUEY.scheduled()]:
        if getattr(task, "name", "").endswith(task_name) and task.args:
            found.add(task.args[0])
    return found


def orphan_grace() -> dt.timedelta:
    """How long a row may wait for its queue message to appear (the commit and the enqueue are two steps)."""
    return dt.timedelta(seconds=max(lease_seconds(), 60))
