"""Returns, the 12-hour reminder and abandonment reach the applicant by short message as well as e-mail,
through the configured SMS backend (locmem in tests, console in development)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from core import sms
from workflow.actions import act
from workflow.tasks import return_deadlines_enforce

pytestmark = pytest.mark.django_db(transaction=True)

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
PHONE = "13899990000"


@pytest.fixture
def returned(submitted, demo_users):
    applicant = submitted.applicant
    applicant.phone = PHONE
    applicant.save(update_fields=["phone"])
    sms.outbox.clear()
    mail.outbox.clear()
    with time_machine.travel(T0, tick=False):
        return act(
            action="return",
            dossier_id=submitted.pk,
            actor=demo_users["demo_unit"],
            reasons=[{"section": "assessments", "reason": "缺少2024年度考核表"}],
        )


def test_return_reminder_and_abandonment_reach_the_phone_and_the_mailbox(returned):
    assert [m.phone for m in sms.outbox] == [PHONE]
    assert "申报被退回" in sms.outbox[0].text and f"/dossiers/{returned.pk}/" in sms.outbox[0].text
    with time_machine.travel(T0 + dt.timedelta(hours=36, minutes=1), tick=False):
        return_deadlines_enforce()
    assert "提醒" in sms.outbox[1].text and "2026年11月22日 16:00" in sms.outbox[1].text
    with time_machine.travel(T0 + dt.timedelta(hours=48, minutes=5), tick=False):
        return_deadlines_enforce()
    assert len(sms.outbox) == 3 and "视为放弃" in sms.outbox[2].text
    to_applicant = [m for m in mail.outbox if returned.applicant.email in m.to]
    assert len(to_applicant) == 3
    assert all(m.text.startswith("【职称申报平台】") and len(m.text) <= sms.MAX_CHARS + 10 for m in sms.outbox)


def test_no_phone_no_short_message(submitted, demo_users):
    sms.outbox.clear()
    act(
        action="return",
        dossier_id=submitted.pk,
        actor=demo_users["demo_unit"],
        reasons=[{"section": "assessments", "reason": "缺少考核表"}],
    )
    assert sms.outbox == []


def test_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "core.sms.ConsoleBackend"
    assert sms.send_sms(phone=" 13899990000 ", text="申报被退回") == 1
    assert "[短信] 发送至 13899990000：【职称申报平台】申报被退回" in capsys.readouterr().out
