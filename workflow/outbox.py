"""Delivering the outbox: after the commit (fast path, in the process that made the change) and every
minute from the worker (anything a crash, a failed delivery or a lost queue message left behind).

A message is claimed with a conditional update (so two deliverers never both run it), handed to its
topic's handler, and marked delivered. A handler that writes rows marks the message in the same
transaction (exactly once); one that talks to the outside (e-mail) marks it after (at least once).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from workflow.models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_BACKOFF = dt.timedelta(hours=1)

Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, Handler] = {}


def handles(topic: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[topic] = fn
        return fn

    return register


def outbox_write(*, topic: str, key: str, payload: dict[str, object] | None = None) -> OutboxMessage:
    """Inside the caller's transaction: the message exists exactly when the change does."""
    message, _ = OutboxMessage.objects.get_or_create(topic=topic, key=key, defaults={"payload": payload or {}})
    return message


def mark_delivered(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=timezone.now(), last_error="")


def _claim_for() -> dt.timedelta:
    """How long a deliverer may take before another may try the message again (one that died with its
    process holds it this long)."""
    return dt.timedelta(seconds=float(settings.OUTBOX_CLAIM_SECONDS))


def _claim(message_id: int) -> OutboxMessage | None:
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(
        pk=message_id,
        delivered_at__isnull=True,
        available_at__lte=now,
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
    ).update(available_at=now + _claim_for(), attempts=F("attempts") + 1)
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


def outbox_deliver(message_id: int) -> bool:
    """Deliver one message if it is due; a failure is recorded and retried later with back-off."""
    message = _claim(message_id)
    if message is None:
        return False
    try:
        _handlers[message.topic](message)
    except Exception as exc:
        backoff = min(dt.timedelta(minutes=2 ** min(message.attempts, 10)), MAX_BACKOFF)
        OutboxMessage.objects.filter(pk=message.pk).update(
            last_error=repr(exc)[:2000], available_at=timezone.now() + backoff
        )
        logger.exception("outbox message %s (%s) failed, attempt %s", message.pk, message, message.attempts)
        return False
    return True


def deliver_on_commit(message: OutboxMessage, *, in_worker: bool) -> None:
    """After the commit: at once in this process, or through the queue (e-mail: slow, outside)."""
    message_id = message.pk
    if in_worker:
        transaction.on_commit(lambda: outbox_deliver_task(message_id), robust=True)
    else:
        transaction.on_commit(lambda: outbox_deliver(message_id), robust=True)


@db_task()
def outbox_deliver_task(message_id: int) -> None:
    outbox_deliver(message_id)


def outbox_flush(limit: int = 500) -> dict[str, int]:
    due = OutboxMessage.objects.filter(
        delivered_at__isnull=True, available_at__lte=timezone.now(), attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    ).order_by("id")[:limit]
    results = [outbox_deliver(pk) for pk in list(due.values_list("pk", flat=True))]
    return {"delivered": sum(results), "failed": len(results) - sum(results)}


@db_periodic_task(crontab(minute="*"))
def outbox_flush_periodic() -> dict[str, int]:
    return outbox_flush()
