"""The policy's `committee:` block and the committee states: loaded from the real file, refused with the
field named when malformed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from rounds.policy import Policy, PolicyError, validate_policy

POLICY = Path(settings.POLICY_DIR) / "bz-2023-highway.yaml"


def _raw() -> dict:
    return yaml.safe_load(POLICY.read_text())


def test_real_policy_has_the_committee_rules_and_states():
    policy = Policy(validate_policy(_raw()))
    assert policy.committee_ratio("quorum") == Fraction(2, 3) == policy.committee_ratio("pass_ratio")
    assert policy.committee_value("group_min") == 3
    assert policy.committee_value("results_publicity_days") == 5
    assert policy.defence_value("no_defence_kinds") == ["initial"]
    assert sum(item["max"] for item in policy.defence_value("sheet")) == 100
    assert policy.state_label("passed") == "评审通过"
    assert policy.state_label("certificate_issued") == "已发放电子证书"
    actions = {t["action"]: t for t in policy.workflow["transitions"]}
    assert actions["committee_pass"]["role"] == "system"
    assert actions["fraud_cancel"]["role"] == "prefecture_officer"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (lambda c: c["quorum"].update(value="4/3"), "committee.quorum.value", "不能大于 1"),
        (lambda c: c["pass_ratio"].update(value="two thirds"), "committee.pass_ratio.value", ""),
        (lambda c: c["group_min"].update(value=2), "committee.group_min.value", ""),
        (lambda c: c["results_publicity_days"].update(value=3), "committee.results_publicity_days.value", ""),
        (
            lambda c: c["defence"]["no_defence_kinds"].update(value=["promotion"]),
            "committee.defence.no_defence_kinds",
            "promotion",
        ),
        (lambda c: c["defence"]["pass_score"].update(value=101), "committee.defence.pass_score", "满分（100 分）"),
        (lambda c: c.pop("quorum"), "committee", "quorum"),
    ],
)
def test_malformed_committee_block_is_refused_naming_the_field(change, field, text):
    data = _raw()
    change(data["committee"])
    with pytest.raises(PolicyError) as exc:
        validate_policy(data, source="x.yaml")
    assert exc.value.field_path == field
    assert text in exc.value.message


def test_committee_block_needs_its_meeting_window():
    data = _raw()
    del data["windows"]["committee_review"]
    with pytest.raises(PolicyError, match="评审委员会评审时间"):
        validate_policy(data)


def test_round_without_committee_block_says_so_when_asked():
    data = _raw()
    del data["committee"]
    policy = Policy(validate_policy(data))
    with pytest.raises(PolicyError, match="未配置评审委员会参数"):
        policy.committee_value("quorum")
