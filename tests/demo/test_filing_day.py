"""A demo dossier is filed early enough that its unit publicity (5 working days) is over before it moves on,
even across National Day's week (seed_demo failed on 2026-11-27 when the holiday kept it running)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.committee import committee_round
from demo.review import _after_publicity, _filing_day

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("today", [dt.date(2026, 11, 26), dt.date(2026, 11, 27), dt.date(2026, 11, 28)])
def test_the_publicity_of_a_committee_demo_dossier_is_over_when_it_moves_on(today) -> None:
    call_command("load_rounds", verbosity=0)
    round_ = committee_round(today)
    now = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=45), dt.time(10, 0)))
    day = _filing_day(round_, now)
    assert day >= round_.policy.window("online_filing").start
    assert _after_publicity(day, round_.policy.publicity_min_working_days) <= now - dt.timedelta(hours=10)
