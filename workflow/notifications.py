"""Notifications: an in-app message per person and an e-mail (Django's backend; console by default).

They follow committed transitions only (workflow.actions sends `dossier_transitioned` on commit), so a
rolled-back action never tells anyone anything. Who is told is the policy's `workflow.notify`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import db_task

from accounts.models import RoleAssignment, User
from core.sms import send_sms
from dossiers.access import LEVEL_ROLES, organization_for_level
from dossiers.models import Dossier
from workflow.actions import dossier_transitioned, level_of_state
from workflow.models import Notification, Transition

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


def notify(*, recipients: list[User], dossier: Dossier | None, kind: str, title: str, body: str) -> list[Notification]:
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
            notification_email_send(item.pk)
        if item.kind in SMS_KINDS and item.recipient.phone:
            notification_sms_send(item.pk)
    return created


# What an applicant must not miss reaches their phone too (core.sms; the e-mail carries the full text).
SMS_KINDS = {Notification.Kind.RETURNED, Notification.Kind.REMINDER, Notification.Kind.ABANDONED}


@db_task()
def notification_sms_send(notification_id: int) -> None:
    item = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if item is None or not item.recipient.phone:
        return
    link = f"{settings.SITE_URL.rstrip('/')}{item.url}" if item.url else settings.SITE_URL
    send_sms(phone=item.recipient.phone, text=f"{item.title}。详情请登录平台查看：{link}")


@db_task()
def notification_email_send(notification_id: int) -> None:
    item = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if item is None or item.emailed_at or not item.recipient.email:
        return
    link = f"{settings.SITE_URL.rstrip('/')}{item.url}" if item.url else ""
    send_mail(
        subject=f"【职称申报平台】{item.title}",
        message=f"{item.recipient.display_name}：\n\n{item.body}\n\n{link}".rstrip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[item.recipient.email],
    )
    Notification.objects.filter(pk=item.pk).update(emailed_at=timezone.now())


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


@receiver(dossier_transitioned)
def on_dossier_transitioned(
    sender: Any, dossier: Dossier, transition: Transition, actor: User | None, **kwargs: Any
) -> None:
    recipients_spec: list[str] = (dossier.round.policy.workflow.get("notify") or {}).get(transition.action, [])
    if not recipients_spec:
        return
    dossier = Dossier.objects.select_related("round", "unit", "applicant").get(pk=dossier.pk)
    recipients: list[User] = []
    for spec in recipients_spec:
        if spec == "applicant":
            recipients.append(dossier.applicant)
        elif spec == "next_level":
            recipients += reviewers_of_level(dossier, level_of_state(dossier, transition.to_state))
        elif spec == "returning_level":
            recipients += reviewers_of_level(dossier, dossier.returned_by_level)
    # The person who acted needs no message about their own action.
    recipients = [u for u in recipients if actor is None or u.pk != actor.pk]
    kind, title, body = _message(dossier, transition)
    try:
        notify(recipients=recipients, dossier=dossier, kind=kind, title=title, body=body)
    except Exception:  # the transition is committed; a failed message must not turn it into an error page
        logger.exception("notification for transition %s failed", transition.pk)


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
