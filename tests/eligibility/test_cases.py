"""The eligibility cases of eligibility/cases/*.yaml, run against the real 2023 policy file.

Every case is also validated against the profile schema, so a case cannot test a shape the command would
refuse. A sample goes through the real `eligibility` and `publicity_end` commands.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from django.conf import settings
from django.core.management import call_command

from eligibility.rules import evaluate_profile
from eligibility.schema import validate_profile
from rounds.workdays import CalendarUnavailableError, known_years, publicity_end
from tests.eligibility.conftest import build_case_profile, load_publicity_cases, load_rule_cases

RULE_CASES = load_rule_cases()
PUBLICITY_CASES = load_publicity_cases()


def test_there_are_at_least_60_cases_and_every_rule_has_some():
    assert len(RULE_CASES) + len(PUBLICITY_CASES) >= 60
    from eligibility.rules import RULE_LABELS

    covered = {case["rule_file"] for _, case in RULE_CASES}
    assert set(RULE_LABELS) <= covered


def assert_matches(result: dict[str, Any], checks_full: list[Any], expect: dict[str, Any], name: str) -> None:
    by_rule = {c["rule"]: c for c in result["checks"]}
    for field in ("eligible", "fee", "defence_exempt", "earliest_year", "manual_review"):
        if field in expect:
            assert result[field] == expect[field], (
                f"{name}: {field} = {result[field]!r}, expected {expect[field]!r}; {result}"
            )
    for rule, passed in (expect.get("checks") or {}).items():
        assert by_rule[rule]["passed"] is passed, (
            f"{name}: {rule} passed={by_rule[rule]['passed']}: {by_rule[rule]['reason']}"
        )
    for rule, text in (expect.get("reason") or {}).items():
        assert text in by_rule[rule]["reason"], f"{name}: {rule} reason {by_rule[rule]['reason']!r} lacks {text!r}"


@pytest.mark.parametrize(("name", "case"), RULE_CASES, ids=[n for n, _ in RULE_CASES])
def test_rule_case(name: str, case: dict[str, Any], policy_2023) -> None:
    profile = build_case_profile(case)
    validate_profile(profile)
    result = evaluate_profile(policy_2023, profile)
    contract = result.as_contract()
    assert_matches(contract, result.checks, case["expect"], name)
    # Whatever the case is about, the answer is internally consistent.
    assert contract["eligible"] == (not any(c["passed"] is False for c in contract["checks"]))
    assert contract["manual_review"] == [c["rule"] for c in contract["checks"] if c["passed"] is None]
    assert [c["rule"] for c in contract["checks"]] == [
        "exclusion",
        "application",
        "education_years",
        "assessment",
        "continuing_education",
        "fraud_ban",
        "social_insurance",
        "defence_exemption",
    ]
    assert all(c["reason"] for c in contract["checks"])


def _publicity_start(raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    _first, last = known_years()
    text = str(raw).replace("FIRST_UNKNOWN", str(last + 1)).replace("LAST_KNOWN", str(last))
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(("name", "case"), PUBLICITY_CASES, ids=[n for n, _ in PUBLICITY_CASES])
def test_publicity_case(name: str, case: dict[str, Any]) -> None:
    start = _publicity_start(case["start"])
    if case.get("error"):
        with pytest.raises(CalendarUnavailableError):
            publicity_end(start, case["days"])
        return
    end = publicity_end(start, case["days"])
    assert end == case["end"], name
    # Independent recount with chinese-calendar itself: the end is a working day, and exactly `days`
    # working days lie between the first working day on/after the start and the end.
    assert chinese_calendar.is_workday(end)
    workdays = chinese_calendar.get_workdays(start, end)
    assert len(workdays) == case["days"], (name, workdays)


# A sample of the cases through the real command, as the acceptance checks run it.
SAMPLE = [RULE_CASES[i] for i in range(0, len(RULE_CASES), 7)]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "case"), SAMPLE, ids=[n for n, _ in SAMPLE])
def test_rule_case_through_the_command(name: str, case: dict[str, Any], tmp_path: Path, capsys) -> None:
    profile_file = tmp_path / "profile.json"
    profile_file.write_text(json.dumps(build_case_profile(case), ensure_ascii=False), encoding="utf-8")
    call_command("eligibility", "--round", "bz-2023-highway", str(profile_file))
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"eligible", "checks", "fee", "defence_exempt", "earliest_year", "manual_review"}
    assert_matches(out, [], case["expect"], name)


def test_commands_in_a_subprocess_with_a_fresh_database(tmp_path: Path) -> None:
    """`manage.py eligibility` works right after set-up, even before rounds are loaded into the database."""
    name, case = RULE_CASES[1]
    profile_file = tmp_path / "p.json"
    profile_file.write_text(json.dumps(build_case_profile(case)), encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "manage.py", "eligibility", "--round", "bz-2023-highway", str(profile_file)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert_matches(json.loads(run.stdout), [], case["expect"], name)

    run = subprocess.run(
        [sys.executable, "manage.py", "publicity_end", "2023-09-28"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (run.returncode, run.stdout.strip()) == (0, "2023-10-10")
