from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from rounds.policy import PolicyError, load_policy_file, validate_policy

POLICY = Path(settings.POLICY_DIR) / "bz-2023-highway.yaml"


def _raw() -> dict:
    return yaml.safe_load(POLICY.read_text())


def test_real_policy_loads_with_the_notice_values():
    policy, sha = load_policy_file(POLICY)
    assert policy["windows"]["online_filing"] == {
        "label": "网上申报",
        "start": "2023-08-10",
        "end": "2023-10-31",
        "clause": "notice 三(一)",
    }
    assert policy["fees"]["yuan"]["evaluation"] == {"junior": 220, "mid": 380}
    assert len(sha) == 64


def test_missing_field_is_named():
    data = _raw()
    del data["windows"]["online_filing"]["end"]
    with pytest.raises(PolicyError) as exc:
        validate_policy(data)
    assert exc.value.field_path == "windows.online_filing"
    assert "end" in exc.value.message


def test_window_ending_before_it_starts_is_refused():
    data = _raw()
    data["windows"]["fee_payment"]["end"] = "2023-10-01"
    with pytest.raises(PolicyError, match=r"windows\.fee_payment\.end"):
        validate_policy(data)


def test_wrong_type_is_refused_with_the_path():
    data = copy.deepcopy(_raw())
    data["fees"]["yuan"]["evaluation"]["mid"] = "三百八十"
    with pytest.raises(PolicyError) as exc:
        validate_policy(data)
    assert exc.value.field_path == "fees.yuan.evaluation.mid"


def test_section_list_must_hold_the_15_sections():
    data = _raw()
    data["sections"] = data["sections"][:-1]
    with pytest.raises(PolicyError, match="masking"):
        validate_policy(data)


def test_transition_to_unknown_state_is_refused():
    data = _raw()
    data["workflow"]["transitions"][0]["to"] = "nowhere"
    with pytest.raises(PolicyError, match=r"workflow\.transitions\.0\.to"):
        validate_policy(data)


def test_load_rounds_command_refuses_a_malformed_file(tmp_path):
    from django.core.management import CommandError, call_command

    bad = tmp_path / "bad.yaml"
    data = _raw()
    data["year"] = "二〇二三"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(CommandError, match="year"):
        call_command("load_rounds", str(bad))


def test_policy_lacking_a_state_the_code_needs_is_refused_naming_it():
    data = _raw()
    del data["workflow"]["states"]["abandoned"]
    with pytest.raises(PolicyError) as exc:
        validate_policy(data)
    assert exc.value.field_path == "workflow.states"
    assert "abandoned" in exc.value.message


def test_policy_with_an_unknown_section_is_refused_naming_it():
    data = _raw()
    data["sections"][-1]["key"] = "hobbies"
    with pytest.raises(PolicyError) as exc:
        validate_policy(data)
    assert exc.value.field_path == "sections"
    assert "hobbies" in exc.value.message and "masking" in exc.value.message


def test_start_up_check_refuses_a_policy_lacking_a_required_state(settings, tmp_path):
    from rounds.checks import check_policy_files

    data = _raw()
    del data["workflow"]["states"]["committee_received"]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    settings.POLICY_DIR = tmp_path
    errors = check_policy_files(None)
    assert [e.id for e in errors] == ["rounds.E001"]
    assert "committee_received" in errors[0].msg and "bad.yaml" in errors[0].msg


def _key_paths(value: object, path: str = "") -> list[str]:
    """Every object key of a JSON value, in order, with its path (lists keep their order on every database)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [f"{path}/{k}", *_key_paths(v, f"{path}/{k}")]]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _key_paths(v, f"{path}[{i}]")]
    return []


@pytest.mark.django_db
def test_a_stored_policy_reads_back_in_its_own_key_order():
    # PostgreSQL's jsonb sorts keys; the policy's order (sections, states, levels) is what pages and tables show.
    from rounds.models import Round
    from rounds.services import round_load_from_file

    policy, _ = load_policy_file(POLICY)
    round_load_from_file(path=POLICY)
    stored = Round.objects.get(slug=policy["slug"]).policy_data
    assert _key_paths(stored) == _key_paths(policy)
    states = list(policy["workflow"]["states"])
    assert states != sorted(states, key=lambda k: (len(k), k))  # the case a sorting store would break
