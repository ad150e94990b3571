"""The transition table comes from the policy; every move is checked, recorded, and refused loudly."""

from __future__ import annotations

import copy

import pytest

from core.errors import ConcurrentUpdate, ErrorCode, IllegalTransition, OutsideWindow, PermissionDenied
from rounds.policy import PolicyError, validate_policy
from workflow import services
from workflow.actions import act, available_actions, transition_rules
from workflow.models import Transition

from .conftest import file_unit_records, make_dossier, submit

pytestmark = pytest.mark.django_db

CHAIN = [
    ("submit", "draft", "submitted"),
    ("resubmit", "returned", "resubmit_target"),
    ("unit_accept", "submitted", "unit_review"),
    ("start_publicity", "unit_review", "unit_publicity"),
    ("recommend", "unit_publicity", "next_level"),  # decided by the routing rule (dossiers.access), issue 10
    ("county_accept", "recommended", "county_review"),
    ("county_approve", "county_review", "next_level"),
    ("prefecture_accept", "prefecture_review", "committee_received"),
    ("abandon", "returned", "abandoned"),
]


def test_transition_table_is_the_policy_chain(submitted):
    rules = {r.action: r for r in transition_rules(submitted)}
    for action, source, target in CHAIN:
        assert source in rules[action].sources
        assert rules[action].target == target
    assert set(rules["return"].sources) == {
        "submitted",
        "unit_review",
        "unit_publicity",
        "recommended",
        "county_review",
        "prefecture_review",
    }
    assert rules["submit"].counts_submission and rules["resubmit"].counts_submission
    assert rules["abandon"].role == "system"


def test_state_labels_come_from_policy(submitted):
    assert submitted.round.policy.state_label("committee_received") == "评审委员会已接收材料"
    assert submitted.round.policy.state_label("abandoned") == "视为放弃"


def test_illegal_move_raises_typed_error_and_changes_nothing(submitted, demo_users):
    with pytest.raises(IllegalTransition) as err:
        act(action="county_accept", dossier_id=submitted.pk, actor=demo_users["demo_county"])
    assert err.value.code == ErrorCode.ILLEGAL_TRANSITION
    assert "已提交至推荐单位" in err.value.message
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert not Transition.objects.filter(dossier=submitted, action="county_accept").exists()


def test_unknown_action_is_refused(submitted, demo_users):
    with pytest.raises(IllegalTransition):
        act(action="teleport", dossier_id=submitted.pk, actor=demo_users["demo_unit"])


def test_each_transition_is_recorded_with_actor_and_submission_number(submitted, demo_users):
    act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"])
    rows = list(Transition.objects.filter(dossier=submitted).order_by("id"))
    assert [(t.action, t.from_state, t.to_state) for t in rows] == [
        ("submit", "draft", "submitted"),
        ("unit_accept", "submitted", "unit_review"),
    ]
    assert rows[1].actor == demo_users["demo_unit"]
    assert rows[1].actor_role == "unit_reviewer"
    assert rows[1].submission_number == 1


@pytest.mark.parametrize(
    "username",
    ["demo_applicant", "demo_unit_qm", "demo_county", "demo_prefecture", "demo_expert", "demo_applicant2"],
)
def test_unit_accept_refused_for_everyone_but_the_unit(submitted, demo_users, username):
    with pytest.raises(PermissionDenied):
        act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users[username])
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def _to_state(dossier, demo_users, state):
    """Drive a fresh dossier forward to `state` along the chain (publicity created already ended)."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    unit = demo_users["demo_unit"]
    act(action="unit_accept", dossier_id=dossier.pk, actor=unit)
    if state == "unit_review":
        return
    services.publicity_start(dossier_ids=[dossier.pk], actor=unit, start=timezone.localdate(), contact="人事科 0996-1")
    if state == "unit_publicity":
        return
    with time_machine.travel(timezone.now() + dt.timedelta(days=12)):
        publicity = dossier.publicities.get()
        services.publicity_result_record(publicity_id=publicity.pk, actor=unit)
        file_unit_records(dossier, unit)
        act(action="recommend", dossier_id=dossier.pk, actor=unit)
    if state == "recommended":
        return
    act(action="county_accept", dossier_id=dossier.pk, actor=demo_users["demo_county"])
    if state == "county_review":
        return
    act(action="county_approve", dossier_id=dossier.pk, actor=demo_users["demo_county"])


@pytest.mark.parametrize(
    ("state", "action", "allowed", "refused"),
    [
        (
            "recommended",
            "county_accept",
            "demo_county",
            ["demo_county_qm", "demo_unit", "demo_prefecture", "demo_applicant"],
        ),
        ("county_review", "county_approve", "demo_county", ["demo_county_qm", "demo_unit", "demo_prefecture"]),
        ("prefecture_review", "prefecture_accept", "demo_prefecture", ["demo_county", "demo_unit", "demo_applicant"]),
    ],
)
def test_county_and_prefecture_actions_permission(submitted, demo_users, state, action, allowed, refused):
    _to_state(submitted, demo_users, state)
    for username in refused:
        with pytest.raises(PermissionDenied):
            act(action=action, dossier_id=submitted.pk, actor=demo_users[username])
    act(action=action, dossier_id=submitted.pk, actor=demo_users[allowed])


@pytest.mark.parametrize(
    ("state", "returner", "refused"),
    [
        ("unit_review", "demo_unit", ["demo_county", "demo_prefecture", "demo_unit_qm", "demo_applicant"]),
        ("county_review", "demo_county", ["demo_unit", "demo_prefecture", "demo_county_qm"]),
        ("prefecture_review", "demo_prefecture", ["demo_unit", "demo_county"]),
    ],
)
def test_only_the_level_holding_the_dossier_may_return_it(submitted, demo_users, state, returner, refused):
    _to_state(submitted, demo_users, state)
    reasons = [{"section": "work_summary", "reason": "工作总结过于简略"}]
    for username in refused:
        with pytest.raises(PermissionDenied):
            act(action="return", dossier_id=submitted.pk, actor=demo_users[username], reasons=reasons)
    act(action="return", dossier_id=submitted.pk, actor=demo_users[returner], reasons=reasons)


def test_system_only_abandon_refused_for_people(submitted, demo_users):
    act(
        action="return",
        dossier_id=submitted.pk,
        actor=demo_users["demo_unit"],
        reasons=[{"section": "basic_info", "reason": "照片不清晰"}],
    )
    with pytest.raises(PermissionDenied):
        act(action="abandon", dossier_id=submitted.pk, actor=demo_users["demo_prefecture"])


def test_stale_version_is_refused_clearly(submitted, demo_users):
    version = submitted.version
    act(action="unit_accept", dossier_id=submitted.pk, actor=demo_users["demo_unit"], version=version)
    with pytest.raises(ConcurrentUpdate) as err:
        act(
            action="return",
            dossier_id=submitted.pk,
            actor=demo_users["demo_unit"],
            reasons=[{"section": "basic_info", "reason": "x"}],
            version=version,
        )
    assert "已被其他人处理" in err.value.message
    assert err.value.http_status == 409


def test_action_outside_window_names_the_window(round_2023, demo_users):
    """The real 2023 round: its review window closed on 2023-11-08."""
    dossier = make_dossier(round_2023, demo_users["demo_applicant"])
    # Put it in the submitted state as the 2023 filing would have; the submit itself is refused today.
    with pytest.raises(OutsideWindow) as err:
        submit(dossier)
    assert "网上申报时间（2023年08月10日—2023年10月31日）" in err.value.message
    dossier.status = "submitted"
    dossier.submission_count = 1
    dossier.save()
    with pytest.raises(OutsideWindow) as err:
        act(action="unit_accept", dossier_id=dossier.pk, actor=demo_users["demo_unit"])
    assert "网上审核时间" in err.value.message
    assert err.value.details == {"window": "review"}
    assert available_actions(demo_users["demo_unit"], dossier) == []


def _policy_with(mutator):
    import yaml
    from django.conf import settings

    data = yaml.safe_load((settings.POLICY_DIR / "bz-2023-highway.yaml").read_text())
    data = copy.deepcopy(data)
    mutator(data["workflow"])
    return validate_policy(data)


def test_policy_checks_reject_bad_workflow_blocks():
    with pytest.raises(PolicyError, match=r"workflow\.resubmit_to"):
        _policy_with(lambda wf: wf.__setitem__("resubmit_to", "somewhere"))
    with pytest.raises(PolicyError, match=r"workflow\.transitions\.2\.role"):
        _policy_with(lambda wf: wf["transitions"][2].__setitem__("role", "janitor"))
    with pytest.raises(PolicyError, match=r"workflow\.resubmit_states\.county"):
        _policy_with(lambda wf: wf["resubmit_states"].__setitem__("county", "nowhere"))
    with pytest.raises(PolicyError, match=r"workflow\.notify\.teleport"):
        _policy_with(lambda wf: wf["notify"].__setitem__("teleport", ["applicant"]))
    assert _policy_with(lambda wf: wf.__setitem__("resubmit_to", "unit"))["workflow"]["resubmit_to"] == "unit"
