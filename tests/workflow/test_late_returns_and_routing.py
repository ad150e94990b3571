"""Issue 10 points 3 and 9 on the real 2023 round (filing 08-10…10-31, reviews until 11-08):

- a return made inside the review window may be answered within its 48 hours even after online filing closed,
  and the level it returns to may act for 2 working days after the resubmission even when the review window has
  closed meanwhile (policy `window_at: return`, `submission.review_grace_working_days`);
- the next level is decided by the routing rule: a 州直 unit's dossier goes from the unit to the prefecture.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from core.errors import OutsideWindow, ReturnDeadlinePassed
from workflow import services
from workflow.actions import SubmitAction, act, available_actions, dossier_action, next_level_state

from .conftest import file_unit_records, make_dossier, submit

pytestmark = pytest.mark.django_db


def at(day: str, hour: int = 10) -> time_machine.travel:
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour))))


@pytest.fixture
def submitted_2023(round_2023, demo_users):
    dossier = make_dossier(round_2023, demo_users["demo_applicant"])
    with at("2023-10-20"):
        return submit(dossier)


def _return(dossier, actor) -> None:
    act(action="return", dossier_id=dossier.pk, actor=actor, reasons=[{"section": "papers", "reason": "论文页码缺失"}])


def test_a_return_on_11_05_is_answered_on_11_06_after_filing_closed(submitted_2023, demo_users):
    unit = demo_users["demo_unit"]
    with at("2023-11-05"):
        _return(submitted_2023, unit)
    submitted_2023.refresh_from_db()
    with at("2023-11-06"):
        # The applicant's turn (state, role, window measured at the return, deadline) holds after filing closed.
        resubmit = dossier_action(submitted_2023, "resubmit")
        assert isinstance(resubmit, SubmitAction)
        resubmit.check_turn(submitted_2023.applicant, submitted_2023)
        dossier = submit(submitted_2023)
    assert dossier.status == "submitted" and dossier.submission_count == 2


def test_the_48_hours_still_bind(submitted_2023, demo_users):
    with at("2023-11-05"):
        _return(submitted_2023, demo_users["demo_unit"])
    with at("2023-11-07", hour=11), pytest.raises(ReturnDeadlinePassed):
        submit(submitted_2023)


def test_a_return_after_the_review_window_is_refused(submitted_2023, demo_users):
    with at("2023-11-09"), pytest.raises(OutsideWindow):
        _return(submitted_2023, demo_users["demo_unit"])


def test_the_receiving_level_may_act_for_two_working_days_after_a_late_resubmission(submitted_2023, demo_users):
    unit = demo_users["demo_unit"]
    with at("2023-11-08", hour=9):
        _return(submitted_2023, unit)
    with at("2023-11-09"):  # a Thursday, the review window closed the day before
        submit(submitted_2023)
    with at("2023-11-13"):  # Monday: the 2nd working day after the resubmission
        dossier = act(action="unit_accept", dossier_id=submitted_2023.pk, actor=unit)
    assert dossier.status == "unit_review"
    with at("2023-11-14"), pytest.raises(OutsideWindow):
        act(action="return", dossier_id=submitted_2023.pk, actor=unit, reasons=[{"section": "papers", "reason": "晚"}])


def test_without_a_resubmission_the_review_window_binds(submitted_2023, demo_users):
    with at("2023-11-09"), pytest.raises(OutsideWindow):
        act(action="unit_accept", dossier_id=submitted_2023.pk, actor=demo_users["demo_unit"])


def test_a_direct_units_dossier_goes_from_the_unit_to_the_prefecture(open_round, orgs, demo_users):
    """州公路管理局 is a prefecture-level institution (州直): no county step (notice 四(三), issue 10 point 9)."""
    from accounts.models import Role
    from tests.factories import UserFactory, give_role

    unit_reviewer = give_role(UserFactory.create(), Role.UNIT_REVIEWER, orgs["U-BZGL"])
    applicant = give_role(UserFactory.create(full_name="州直申报人"), Role.APPLICANT, orgs["U-BZGL"])
    dossier = submit(make_dossier(open_round, applicant))
    assert next_level_state(dossier, "unit_publicity") == "prefecture_review"
    act(action="unit_accept", dossier_id=dossier.pk, actor=unit_reviewer)
    publicity = services.publicity_start(
        dossier_ids=[dossier.pk], actor=unit_reviewer, start=timezone.localdate(), contact="人事科"
    )
    with at((publicity.end + dt.timedelta(days=1)).isoformat()):
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit_reviewer)
        file_unit_records(dossier, unit_reviewer)
        dossier = act(action="recommend", dossier_id=dossier.pk, actor=unit_reviewer)
        assert dossier.status == "prefecture_review"
        county = demo_users["demo_county"]  # 库尔勒市, where the unit sits: not on this dossier's route
        assert available_actions(county, dossier) == []
        dossier = act(action="prefecture_accept", dossier_id=dossier.pk, actor=demo_users["demo_prefecture"])
    assert dossier.status == "committee_received"
    assert [t.to_state for t in dossier.transitions.order_by("id")][-2:] == ["prefecture_review", "committee_received"]


def test_an_enterprises_dossier_still_goes_to_its_county(submitted, demo_users):
    assert next_level_state(submitted, "unit_publicity") == "recommended"
    assert next_level_state(submitted, "county_review") == "prefecture_review"
