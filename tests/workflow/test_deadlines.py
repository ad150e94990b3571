"""The 48-hour return deadline (notice 四(三)) with a frozen clock and the real huey task (immediate)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from workflow.actions import act
from workflow.models import Notification, Transition
from workflow.tasks import return_deadlines_enforce

from .conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def returned(submitted, demo_users):
    with time_machine.travel(T0, tick=False):
        return act(
            action="return",
            dossier_id=submitted.pk,
            actor=demo_users["demo_unit"],
            reasons=[{"section": "assessments", "reason": "缺少2024年度考核表"}],
        )


def _run_task_at(moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        return_deadlines_enforce()


def test_nothing_happens_well_before_the_deadline(returned):
    _run_task_at(T0 + dt.timedelta(hours=30))
    returned.refresh_from_db()
    assert returned.status == "returned"
    assert returned.reminder_sent_at is None
    assert not Notification.objects.filter(kind=Notification.Kind.REMINDER).exists()


def test_reminder_twelve_hours_before_is_sent_once(returned):
    mail.outbox.clear()
    _run_task_at(T0 + dt.timedelta(hours=36, minutes=1))
    _run_task_at(T0 + dt.timedelta(hours=37))
    reminders = Notification.objects.filter(recipient=returned.applicant, kind=Notification.Kind.REMINDER)
    assert reminders.count() == 1
    assert "2026年11月22日 16:00" in reminders.get().title  # 08:00 UTC + 48 h, shown in Beijing time
    assert len([m for m in mail.outbox if "提醒" in m.subject]) == 1
    returned.refresh_from_db()
    assert returned.status == "returned"


def test_dossier_abandoned_after_deadline_and_recorded(returned):
    _run_task_at(T0 + dt.timedelta(hours=47, minutes=59))
    returned.refresh_from_db()
    assert returned.status == "returned"
    _run_task_at(T0 + dt.timedelta(hours=48, minutes=5))
    returned.refresh_from_db()
    assert returned.status == "abandoned"
    assert returned.status_label == "视为放弃"
    record = Transition.objects.get(dossier=returned, action="abandon")
    assert record.actor is None and record.actor_role == "system"
    assert record.from_state == "returned"
    assert "48 小时内未重新提交" in record.note
    assert Notification.objects.filter(recipient=returned.applicant, kind=Notification.Kind.ABANDONED).exists()
    # The unit that returned it is told too.
    assert Notification.objects.filter(recipient__username="demo_unit", kind=Notification.Kind.ABANDONED).exists()
    # Running again changes nothing.
    _run_task_at(T0 + dt.timedelta(hours=60))
    assert Transition.objects.filter(dossier=returned, action="abandon").count() == 1


def test_resubmitted_in_time_is_left_alone(returned):
    with time_machine.travel(T0 + dt.timedelta(hours=47), tick=False):
        submit(returned)
    _run_task_at(T0 + dt.timedelta(hours=49))
    returned.refresh_from_db()
    assert returned.status == "submitted"
    assert not Transition.objects.filter(dossier=returned, action="abandon").exists()


def test_abandon_before_deadline_is_refused(returned):
    from core.errors import ValidationFailed

    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False), pytest.raises(ValidationFailed):
        act(action="abandon", actor=None, dossier_id=returned.pk)
