"""The working-day calendar, the two command-line contracts' error paths, the schema copy, and the policy block."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from core.errors import DomainError
from eligibility.schema import SCHEMA_PATH, ProfileInvalid, validate_profile
from rounds.policy import PolicyError, validate_policy
from rounds.workdays import (
    CalendarUnavailableError,
    add_working_days,
    is_working_day,
    known_years,
    next_working_day,
    publicity_end,
    working_days_between,
)
from tests.eligibility.conftest import base_profile

SHARED_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "profile.schema.json"
POLICY_FILE = Path(settings.POLICY_DIR) / "bz-2023-highway.yaml"


# --- working days -----------------------------------------------------------------------------------


def test_adjusted_working_weekend_days_and_holidays():
    assert is_working_day(dt.date(2023, 10, 7))  # Saturday, adjusted working day (国庆 2023)
    assert is_working_day(dt.date(2024, 2, 18))  # Sunday, adjusted working day (春节 2024)
    assert not is_working_day(dt.date(2023, 9, 29))  # 中秋节
    assert not is_working_day(dt.date(2024, 5, 2))  # 劳动节
    assert not is_working_day(dt.date(2023, 8, 12))  # an ordinary Saturday


def test_add_next_and_count():
    assert next_working_day(dt.date(2023, 10, 1)) == dt.date(2023, 10, 7)
    assert next_working_day(dt.date(2023, 10, 9)) == dt.date(2023, 10, 9)
    assert add_working_days(dt.date(2023, 9, 28), 1) == dt.date(2023, 10, 7)
    assert add_working_days(dt.date(2023, 10, 7), -1) == dt.date(2023, 9, 28)
    assert add_working_days(dt.date(2023, 9, 28), 0) == dt.date(2023, 9, 28)
    assert working_days_between(dt.date(2023, 9, 28), dt.date(2023, 10, 10)) == 5
    assert working_days_between(dt.date(2023, 10, 10), dt.date(2023, 9, 28)) == 0


def test_unknown_year_is_refused_never_guessed():
    _first, last = known_years()
    with pytest.raises(CalendarUnavailableError) as exc:
        publicity_end(dt.date(last + 1, 3, 2), 5)
    assert isinstance(exc.value, DomainError)
    assert str(last + 1) in exc.value.message and "节假日" in exc.value.message
    with pytest.raises(CalendarUnavailableError):
        is_working_day(dt.date(2003, 6, 2))


def test_publicity_needs_at_least_one_day():
    with pytest.raises(DomainError):
        publicity_end(dt.date(2023, 9, 28), 0)


def test_publicity_end_command(capsys):
    call_command("publicity_end", "2023-09-28")
    assert capsys.readouterr().out.strip() == "2023-10-10"
    call_command("publicity_end", "2024-02-08", "--days", "7")
    assert capsys.readouterr().out.strip() == "2024-02-22"


@pytest.mark.parametrize("start", ["2023-02-30", "tomorrow", "2023/09/28", f"{known_years()[1] + 1}-01-05"])
def test_publicity_end_command_refuses_bad_dates_with_exit_2(start):
    with pytest.raises(CommandError) as exc:
        call_command("publicity_end", start)
    assert exc.value.returncode == 2
    assert start in str(exc.value) or "年" in str(exc.value)


# --- the eligibility command's refusals ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "named"),
    [
        (lambda p: p.pop("kind"), "kind"),
        (lambda p: p.update(target_level="senior"), "target_level"),
        (lambda p: p["employment"].update(started_work="2012-13-01"), "employment.started_work"),
        (lambda p: p["education"].__setitem__(0, {"level": "bachelor"}), "education[0]"),
        (lambda p: p.update(extra_field=1), "extra_field"),
        (lambda p: p.update(current_title={"level": "junior"}), "current_title"),
        (
            lambda p: p["continuing_education"].append({"year": 2023, "type": "public", "hours": -1}),
            "continuing_education[8]",
        ),
    ],
)
def test_eligibility_command_exit_2_on_a_malformed_profile(tmp_path, mutate, named):
    profile = base_profile()
    mutate(profile)
    path = tmp_path / "p.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("eligibility", "--round", "bz-2023-highway", str(path))
    assert exc.value.returncode == 2
    assert named in str(exc.value)


@pytest.mark.django_db
def test_eligibility_command_exit_2_on_unreadable_input_and_unknown_round(tmp_path):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    for args in (
        ["--round", "bz-2023-highway", str(bad_json)],
        ["--round", "bz-2023-highway", str(tmp_path / "missing.json")],
    ):
        with pytest.raises(CommandError) as exc:
            call_command("eligibility", *args)
        assert exc.value.returncode == 2
    good = tmp_path / "good.json"
    good.write_text(json.dumps(base_profile()), encoding="utf-8")
    with pytest.raises(CommandError, match="no-such-round") as exc:
        call_command("eligibility", "--round", "no-such-round", str(good))
    assert exc.value.returncode == 2


@pytest.mark.django_db
def test_eligibility_command_prefers_the_loaded_round(round_2023, tmp_path, capsys):
    """A round loaded into the database answers (its stored policy), the same as the file."""
    path = tmp_path / "p.json"
    path.write_text(json.dumps(base_profile()), encoding="utf-8")
    call_command("eligibility", "--round", round_2023.slug, str(path))
    out = json.loads(capsys.readouterr().out)
    assert out["eligible"] is True and out["fee"] == 380 and out["earliest_year"] == 2023


# --- schema copy ---------------------------------------------------------------------------------------


def test_schema_copy_equals_the_shared_contract():
    if not SHARED_SCHEMA.exists():
        pytest.skip("the shared contract folder is not beside the repository")
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == json.loads(SHARED_SCHEMA.read_text(encoding="utf-8"))


def test_validate_profile_accepts_the_base_and_names_problems():
    validate_profile(base_profile())
    with pytest.raises(ProfileInvalid) as exc:
        validate_profile({"round_year": 2023})
    assert "target_level" in exc.value.message and "employment" in exc.value.message


# --- the eligibility block of the policy ---------------------------------------------------------------


def _raw_policy() -> dict:
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("fraud_ban"), "eligibility"),
        (lambda e: e["fraud_ban"]["values"][0].pop("clause"), "eligibility.fraud_ban.values.0"),
        (
            lambda e: e["fraud_ban"]["values"][0]["value"].update(years="三"),
            "eligibility.fraud_ban.values.0.value.years",
        ),
        (
            lambda e: e["years_counted_until"]["values"][0].update(value="13-01"),
            "eligibility.years_counted_until.values.0.value",
        ),
        (
            lambda e: e["requirements"]["values"][0]["value"]["mid"]["evaluation"]["routes"].update(phd=[]),
            "eligibility.requirements.values.0.value.mid.evaluation.routes.phd",
        ),
        (
            lambda e: e["requirements"]["values"][0]["value"]["junior"]["evaluation"]["routes"]["secondary"][0].pop(
                "title_level"
            ),
            "eligibility.requirements.value.junior.evaluation.routes.secondary.0.title_level",
        ),
        (
            lambda e: e["requirements"]["values"][0]["value"]["mid"]["conferral"].pop("manual_review"),
            "eligibility.requirements.value.mid.conferral.routes",
        ),
        (
            lambda e: e["requirements"]["values"][0]["value"]["mid"]["evaluation"].pop("source"),
            "eligibility.requirements.values.0.value.mid.evaluation",
        ),
        (
            lambda e: e["continuing_education"]["values"][0]["value"]["exemption_assignments"].append("holiday"),
            "eligibility.continuing_education.values.0.value.exemption_assignments.3",
        ),
        (
            lambda e: e["requirements"]["values"][0]["value"]["mid"].pop("conferral"),
            "eligibility.requirements.value.mid.conferral",
        ),
        (
            lambda e: e["social_insurance"]["values"][0].update({"from": "2030-01-01"}),
            "eligibility.social_insurance.values",
        ),
        (
            lambda e: e["fraud_ban"]["values"].append(dict(e["fraud_ban"]["values"][0])),
            "eligibility.fraud_ban.values.1.from",
        ),
        (
            lambda e: e["defence_exemption"]["values"][0]["value"].update(counties="且末县"),
            "eligibility.defence_exemption.values.0.value.counties",
        ),
    ],
)
def test_malformed_eligibility_block_is_refused_naming_the_field(mutate, field):
    data = copy.deepcopy(_raw_policy())
    mutate(data["eligibility"])
    with pytest.raises(PolicyError) as exc:
        validate_policy(data, source="bz-2023-highway.yaml")
    assert exc.value.field_path == field, exc.value.message
    assert field in exc.value.message


def test_dated_values_pick_the_one_in_force():
    """OpenFisca style: a later value replaces an earlier one from its date on, not before."""
    from eligibility.rules import compile_ruleset
    from rounds.policy import Policy

    data = copy.deepcopy(_raw_policy())
    data["eligibility"]["social_insurance"]["values"].append(
        {
            "from": dt.date(2023, 9, 1),
            "clause": "a later notice",
            "value": {"employer_types": ["enterprise"], "min_months": 12},
        }
    )
    assert compile_ruleset(Policy(validate_policy(data))).si_min_months == 6  # filing opened 2023-08-10
    data["eligibility"]["social_insurance"]["values"][0]["from"] = dt.date(2019, 1, 1)
    data["eligibility"]["social_insurance"]["values"][-1]["from"] = dt.date(2023, 8, 1)
    ruleset = compile_ruleset(Policy(validate_policy(data)))
    assert ruleset.si_min_months == 12 and ruleset.clauses["social_insurance"] == "a later notice"
