"""Notifications: an in-app message per person and an e-mail (Django's backend; console by default).

Every transition writes an outbox message in its own transaction (a `post_save` of the Transition row,
inside the atomic block of workflow.actions), so a rolled-back action never tells anyone anything and a committed
one always does, even if the process dies right after the commit: the message is delivered at once
after the commit and, failing that, by the worker's minutely flush (workflow/outbox.py). Each
notification's e-mail is an outbox message too. Who is told is the policy's `workflow.notify`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment, User
from core.sms import send_sms
from dossiers.access import LEVEL_ROLES, organization_for_level
from dossiers.models import Dossier
from workflow.actions import dossier_transitioned, level_of_state
from workflow.models import Notification, OutboxMessage, Transition
from workflow.outbox import deliver_on_commit, handles, mark_delivered, outbox_deliver, outbox_write

logger = logging.getLogger(__name__)


def dossier_url_for(user: User, dossier: Dossier) -> str:
    """The page a person should open for this dossier: the applicant's own page, else the review page."""
    if user.pk == dossier.applicant_id:
        return reverse("dossiers:detail", args=[dossier.pk])
    return reverse("workflow:detail", args=[dossier.pk])


def reviewers_of_level(dossier: Dossier, level: str | None) -> list[User]:
    if level not in LEVEL_ROLES:
        return []
    org = organization_for_level(dossier, str(level))
    if org is None:
        return []
    ids = RoleAssignment.objects.filter(role=LEVEL_ROLES[str(level)], organization=org).values_list(
        "user_id", flat=True
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


@transaction.atomic
def notify(*, recipients: list[User], dossier: Dossier | None, kind: str, title: str, body: str) -> list[Notification]:
    """The in-app messages, and an outbox e-mail for each recipient with an address, in one transaction."""
    created = []
    seen: set[int] = set()
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        url = dossier_url_for(user, dossier) if dossier else ""
        created.append(
            Notification.objects.create(recipient=user, dossier=dossier, kind=kind, title=title, body=body, url=url)
        )
    for item in created:
        if item.recipient.email:
            message = outbox_write(topic=OutboxMessage.Topic.EMAIL, key=f"notification:{item.pk}")
            deliver_on_commit(message, in_worker=True)
        if item.kind in SMS_KINDS and item.recipient.phone:
            message = outbox_write(topic=OutboxMessage.Topic.SMS, key=f"notification:{item.pk}")
            deliver_on_commit(message, in_worker=True)
    return created


# What an applicant must not miss reaches their phone too (core.sms; the e-mail carries the full text).
SMS_KINDS = {Notification.Kind.RETURNED, Notification.Kind.REMINDER, Notification.Kind.ABANDONED}


@handles(OutboxMessage.Topic.SMS)
def _deliver_sms(message: OutboxMessage) -> None:
    """At least once, like the e-mail."""
    notification_id = int(message.key.split(":", 1)[1])
    item = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if item is not None and item.recipient.phone:
        link = f"{settings.SITE_URL.rstrip('/')}{item.url}" if item.url else settings.SITE_URL
        send_sms(phone=item.recipient.phone, text=f"{item.title}。详情请登录平台查看：{link}")
    mark_delivered(message)


@handles(OutboxMessage.Topic.EMAIL)
def _deliver_email(message: OutboxMessage) -> None:
    """At least once: a crash between sending and marking sends the e-mail again, never drops it."""
    notification_id = int(message.key.split(":", 1)[1])
    item = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if item is not None and not item.emailed_at and item.recipient.email:
        link = f"{settings.SITE_URL.rstrip('/')}{item.url}" if item.url else ""
        send_mail(
            subject=f"【职称申报平台】{item.title}",
            message=f"{item.recipient.display_name}：\n\n{item.body}\n\n{link}".rstrip() + "\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[item.recipient.email],
        )
    with transaction.atomic():
        Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
        mark_delivered(message)


def _deadline_text(dossier: Dossier) -> str:
    if not dossier.return_deadline:
        return ""
    return f"{timezone.localtime(dossier.return_deadline):%Y年%m月%d日 %H:%M}"


def _message(dossier: Dossier, record: Transition) -> tuple[str, str, str]:
    """(kind, title, body) for a transition."""
    label = dossier.round.policy.state_label(record.to_state)
    head = f"申报 {dossier.serial_number}（{dossier.applicant.display_name}，{dossier.level_label}）"
    if record.action == "return" and not dossier.return_deadline:
        # The return at the last allowed submission: the application ends (notice 四(三)).
        lines = [f"{head}已被退回，已达提交次数上限，本次申报终止（{label}），不能再修改提交。退回意见："]
        lines += [f"· {r.get('title', r.get('section'))}：{r.get('reason')}" for r in record.reasons]
        if record.note:
            lines.append(f"说明：{record.note}")
        return Notification.Kind.RETURNED, "申报被退回，申报终止", "\n".join(lines)
    if record.action == "return":
        lines = [
            f"{head}已被退回修改。请逐项修改以下栏目，并在 {_deadline_text(dossier)} 前重新提交，逾期视为放弃申报："
        ]
        lines += [f"· {r.get('title', r.get('section'))}：{r.get('reason')}" for r in record.reasons]
        if record.note:
            lines.append(f"说明：{record.note}")
        return Notification.Kind.RETURNED, f"申报被退回，请于 {_deadline_text(dossier)} 前修改提交", "\n".join(lines)
    if record.action == "abandon":
        return Notification.Kind.ABANDONED, "申报视为放弃", f"{head}退回后未在规定时间内重新提交，已视为放弃申报。"
    body = f"{head}当前状态：{label}。"
    if record.note:
        body += f"\n{record.note}"
    return Notification.Kind.TRANSITION, f"申报状态：{label}", body


@receiver(post_save, sender=Transition, dispatch_uid="workflow.transition_outbox")
def _transition_outbox(sender: Any, instance: Transition, created: bool, raw: bool = False, **kwargs: Any) -> None:
    # Runs inside the action's transaction: the message commits (or rolls back) with the transition. A row
    # loaded from a fixture (a restored backup: raw) is history, and its messages are restored with it.
    if created and not raw:
        outbox_write(topic=OutboxMessage.Topic.TRANSITION, key=f"transition:{instance.pk}")


@receiver(dossier_transitioned, dispatch_uid="workflow.transition_notify")
def on_dossier_transitioned(
    sender: Any, dossier: Dossier, transition: Transition, actor: User | None, **kwargs: Any
) -> None:
    """After the commit: deliver the transition's message now (the periodic flush catches what this misses)."""
    message = OutboxMessage.objects.filter(
        topic=OutboxMessage.Topic.TRANSITION, key=f"transition:{transition.pk}"
    ).first()
    if message is not None:
        outbox_deliver(message.pk)  # never raises: a failure is recorded on the message and retried


@handles(OutboxMessage.Topic.TRANSITION)
def _deliver_transition(message: OutboxMessage) -> None:
    """Exactly once: the notifications and the delivered mark commit together."""
    transition_id = int(message.key.split(":", 1)[1])
    with transaction.atomic():
        record = Transition.objects.select_related("actor").filter(pk=transition_id).first()
        if record is not None:
            _notify_transition(record)
        mark_delivered(message)


def _notify_transition(transition: Transition) -> None:
    dossier = Dossier.objects.select_related("round", "unit", "applicant").get(pk=transition.dossier_id)
    recipients_spec: list[str] = (dossier.round.policy.workflow.get("notify") or {}).get(transition.action, [])
    if not recipients_spec:
        return
    recipients: list[User] = []
    for spec in recipients_spec:
        if spec == "applicant":
            recipients.append(dossier.applicant)
        elif spec == "next_level":
            recipients += reviewers_of_level(dossier, level_of_state(dossier, transition.to_state))
        elif spec == "returning_level":
            recipients += reviewers_of_level(dossier, dossier.returned_by_level)
    # The person who acted needs no message about their own action.
    actor_id = transition.actor_id
    recipients = [u for u in recipients if actor_id is None or u.pk != actor_id]
    kind, title, body = _message(dossier, transition)
    notify(recipients=recipients, dossier=dossier, kind=kind, title=title, body=body)


def notify_return_reminder(*, dossier: Dossier) -> None:
    dossier = Dossier.objects.select_related("round", "applicant").get(pk=dossier.pk)
    hours = dossier.round.policy.submission_param("reminder_hours_before_deadline")
    notify(
        recipients=[dossier.applicant],
        dossier=dossier,
        kind=Notification.Kind.REMINDER,
        title=f"提醒：退回修改将于 {_deadline_text(dossier)} 截止",
        body=(
            f"申报 {dossier.serial_number} 退回修改的截止时间为 {_deadline_text(dossier)}（不足 {hours} 小时）。"
            "逾期未重新提交将视为放弃申报。"
        ),
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


# Sent (with `recipient_id`) after a person's notifications were marked read: an UPDATE sends no post_save,
# and what shows their unread count (the header's badge, kept in the cache by portal.chrome) must know.
notifications_read = Signal()


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark the user's unread notifications read (only the one of that id, when given; someone else's id marks
    nothing). Answers how many were marked."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    marked = unread.update(read_at=timezone.now())
    if marked:
        notifications_read.send(sender=Notification, recipient_id=user.pk)
    return marked
