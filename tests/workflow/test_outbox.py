"""Notifications leave through an outbox written in the transition's own transaction: a rolled-back
transition tells no one, a committed one always tells, exactly once, even if the process dies right
after the commit; e-mails are retried until sent."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from workflow.actions import act
from workflow.models import Notification, OutboxMessage, Transition
from workflow.outbox import outbox_flush

pytestmark = pytest.mark.django_db

RETURN_REASONS = [{"section": "basic_info", "reason": "身份证反面不清晰"}]


def _return(dossier, demo_users):
    return act(action="return", dossier_id=dossier.pk, actor=demo_users["demo_unit"], reasons=RETURN_REASONS)


def test_rolled_back_transition_leaves_no_message(submitted, demo_users):
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _return(submitted, demo_users)
        assert OutboxMessage.objects.count() == before + 1  # written inside the same transaction
        raise RuntimeError("the surrounding action fails after the transition")
    assert OutboxMessage.objects.count() == before
    assert not Transition.objects.filter(dossier=submitted, action="return").exists()


def test_message_survives_a_crash_after_commit_and_is_delivered_once(submitted, demo_users):
    # No on-commit callbacks run here: exactly what a process killed right after COMMIT leaves.
    _return(submitted, demo_users)
    record = Transition.objects.get(dossier=submitted, action="return")
    message = OutboxMessage.objects.get(topic="transition", key=f"transition:{record.pk}")
    assert message.delivered_at is None
    assert not Notification.objects.filter(kind=Notification.Kind.RETURNED).exists()

    mail.outbox.clear()
    outbox_flush()  # the worker's minutely flush; the e-mail message it writes is due at once too
    outbox_flush()
    message.refresh_from_db()
    assert message.delivered_at is not None
    notes = Notification.objects.filter(recipient=submitted.applicant, kind=Notification.Kind.RETURNED)
    assert notes.count() == 1
    # The submission's message (to the unit) was left undelivered the same way, and is delivered too.
    to_applicant = [m for m in mail.outbox if m.to == [submitted.applicant.email]]
    assert len(to_applicant) == 1 and "身份证反面不清晰" in to_applicant[0].body
    sent, notified = len(mail.outbox), Notification.objects.count()
    outbox_flush()  # nothing twice
    assert len(mail.outbox) == sent and Notification.objects.count() == notified
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


def test_failed_email_is_retried_with_backoff(submitted, demo_users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    outbox_flush()  # the submission's messages, left undelivered as no on-commit callback ran here
    OutboxMessage.objects.update(delivered_at=timezone.now())
    _return(submitted, demo_users)
    outbox_flush()
    outbox_flush()
    email = OutboxMessage.objects.get(topic="email", delivered_at__isnull=True)
    assert email.delivered_at is None and email.attempts == 1 and email.last_error
    assert email.available_at > timezone.now()  # backed off, not hammered

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    OutboxMessage.objects.filter(pk=email.pk).update(available_at=timezone.now() - dt.timedelta(seconds=1))
    outbox_flush()
    email.refresh_from_db()
    assert email.delivered_at is not None and email.attempts == 2
    assert len(mail.outbox) == 1
    assert Notification.objects.get(recipient=submitted.applicant, kind="returned").emailed_at is not None


def test_after_commit_path_delivers_at_once(submitted, demo_users, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _return(submitted, demo_users)
    assert Notification.objects.filter(recipient=submitted.applicant, kind="returned").count() == 1
    assert len(mail.outbox) == 1
    record = Transition.objects.get(dossier=submitted, action="return")
    assert OutboxMessage.objects.get(key=f"transition:{record.pk}").delivered_at is not None
    assert OutboxMessage.objects.filter(topic="email", delivered_at__isnull=False).count() == 1
