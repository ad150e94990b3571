"""Defence: who defends comes from the eligibility rules; exempt applicants get the average of that year's
defended applicants of the same specialty and level, recomputed when scores change (notice 六)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from committee.defence import (
    GroupKey,
    Requirement,
    defence_outcomes_recompute,
    defence_requirement,
    defence_score_record,
    defence_session_schedule,
)
from committee.models import DefenceOutcome
from core.errors import PermissionDenied, ValidationFailed
from eligibility.selectors import dossier_self_check
from tests.committee.stage import received_dossier
from tests.factories import UnitFactory


def sheet(total: int) -> dict[str, int]:
    """A full sheet (30/40/20/10) adding up to `total`."""
    theory = min(30, total)
    practice = min(40, total - theory)
    answers = min(20, total - theory - practice)
    return {
        "theory": theory,
        "practice": practice,
        "answers": answers,
        "expression": total - theory - practice - answers,
    }


def outcome(dossier) -> DefenceOutcome:
    return DefenceOutcome.objects.get(dossier=dossier)


@pytest.fixture
def group(stage_round, orgs):
    # A prefecture-level enterprise in 库尔勒市: its mid-level applicants defend. (A county-level unit would be
    # exempt: "县级以下基层单位" includes county units, policies/POLICY.md.)
    unit = UnitFactory.create(
        name="巴州交通投资集团有限公司",
        parent=orgs["BZ-KRL"],
        registration_county=orgs["BZ-KRL"],
        unit_level="prefecture",
    )
    return {
        "a": received_dossier(stage_round, unit),
        "b": received_dossier(stage_round, unit),
        "exempt": received_dossier(stage_round, unit, exempt=True),
        "junior": received_dossier(stage_round, unit, level="junior", kind="evaluation"),
        "initial": received_dossier(stage_round, unit, level="mid", kind="initial"),
    }


@pytest.fixture
def session(group, stage_round, office, experts, today):
    panel = [experts[0].user, experts[1].user]
    return defence_session_schedule(
        actor=office,
        round_=stage_round,
        held_on=today,
        place="州交通运输局 6 楼会议室",
        panel=panel,
        dossiers=[group["a"], group["b"]],
    )


def test_requirement_is_the_eligibility_rules_verdict(group):
    assert defence_requirement(group["a"]) == Requirement.DEFEND
    for key in ("exempt", "junior"):
        assert dossier_self_check(group[key]).defence_exempt
        assert defence_requirement(group[key]) == Requirement.EXEMPT
    assert defence_requirement(group["initial"]) == Requirement.NOT_REQUIRED  # 初次确定 does not defend


def test_exempt_and_non_defending_applicants_cannot_be_scheduled(group, stage_round, office, experts, today):
    for key in ("exempt", "initial"):
        with pytest.raises(ValidationFailed, match="无需安排答辩"):
            defence_session_schedule(
                actor=office,
                round_=stage_round,
                held_on=today,
                place="x",
                panel=[experts[0].user],
                dossiers=[group[key]],
            )


def test_exempt_gets_the_average_of_defended_peers_recomputed_on_every_change(group, session, experts):
    m1, m2 = experts[0].user, experts[1].user
    defence_score_record(actor=m1, session=session, dossier=group["a"], items=sheet(80))
    assert outcome(group["exempt"]).basis == DefenceOutcome.Basis.EXEMPT_AVERAGE
    assert outcome(group["exempt"]).score == Decimal("80.00")
    assert outcome(group["b"]).basis == DefenceOutcome.Basis.PENDING
    defence_score_record(actor=m2, session=session, dossier=group["a"], items=sheet(90))
    defence_score_record(actor=m1, session=session, dossier=group["b"], items=sheet(70))
    assert outcome(group["a"]).score == Decimal("85.00")
    assert outcome(group["exempt"]).score == Decimal("77.50")  # (85 + 70) / 2
    defence_score_record(actor=m1, session=session, dossier=group["b"], items=sheet(76))  # a revised sheet
    assert outcome(group["exempt"]).score == Decimal("80.50")
    assert outcome(group["exempt"]).passed is True
    # Nobody of the junior level defends (六(二)): exemption counts as passing. 初次确定 needs no defence.
    assert outcome(group["junior"]).basis == DefenceOutcome.Basis.EXEMPT_PASS and outcome(group["junior"]).passed
    assert outcome(group["initial"]).basis == DefenceOutcome.Basis.NOT_REQUIRED and outcome(group["initial"]).passed


def test_a_low_average_is_the_exempt_applicants_score_too(group, session, experts):
    defence_score_record(actor=experts[0].user, session=session, dossier=group["a"], items=sheet(50))
    defence_score_record(actor=experts[0].user, session=session, dossier=group["b"], items=sheet(55))
    assert outcome(group["a"]).passed is False
    assert outcome(group["exempt"]).score == Decimal("52.50") and outcome(group["exempt"]).passed is False


def test_round_not_scoring_the_defence_treats_exemption_as_passing(group, session, experts, stage_round):
    data = stage_round.policy_data
    data["committee"]["defence"]["scored"]["value"] = False
    stage_round.policy_data = data
    stage_round.save(update_fields=["policy_data"])
    defence_score_record(actor=experts[0].user, session=session, dossier=group["a"], items=sheet(80))
    defence_outcomes_recompute(GroupKey.of(group["exempt"]))
    assert outcome(group["exempt"]).basis == DefenceOutcome.Basis.EXEMPT_PASS
    assert outcome(group["exempt"]).score is None and outcome(group["exempt"]).passed is True


def test_only_the_sessions_panel_scores_and_only_full_sheets(group, session, experts):
    with pytest.raises(PermissionDenied):
        defence_score_record(actor=experts[5].user, session=session, dossier=group["a"], items=sheet(80))
    with pytest.raises(ValidationFailed, match="语言表达"):
        defence_score_record(
            actor=experts[0].user,
            session=session,
            dossier=group["a"],
            items={"theory": 30, "practice": 40, "answers": 20},
        )
    with pytest.raises(ValidationFailed, match="不在本场答辩名单"):
        defence_score_record(actor=experts[0].user, session=session, dossier=group["exempt"], items=sheet(80))
