"""Helpers for the eligibility tests: the round policy straight from its file, and the case files."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

CASES_DIR = Path(settings.BASE_DIR) / "eligibility" / "cases"


def _iso(value: Any) -> Any:
    """YAML reads 2019-12-31 as a date; profiles carry ISO strings."""
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def merge(base: Any, override: Any) -> Any:
    """Mappings merge key by key; anything else (lists included) replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(override)


def base_profile() -> dict[str, Any]:
    return _iso(yaml.safe_load((CASES_DIR / "_base_profile.yaml").read_text(encoding="utf-8")))


def apply_ce_hours(profile: dict[str, Any], ce_hours: dict[str, dict[int, float]]) -> None:
    rows = [r for r in profile["continuing_education"]]
    for ce_type, by_year in ce_hours.items():
        for year, hours in by_year.items():
            rows = [r for r in rows if not (r["type"] == ce_type and r["year"] == int(year))]
            if hours:
                rows.append({"year": int(year), "type": ce_type, "hours": hours})
    profile["continuing_education"] = rows


def build_case_profile(case: dict[str, Any]) -> dict[str, Any]:
    profile = merge(base_profile(), _iso(case.get("profile") or {}))
    if case.get("ce_hours"):
        apply_ce_hours(profile, case["ce_hours"])
    return profile


def rule_case_files() -> list[Path]:
    return sorted(p for p in CASES_DIR.glob("*.yaml") if not p.name.startswith("_") and p.name != "publicity_end.yaml")


def load_rule_cases() -> list[tuple[str, dict[str, Any]]]:
    cases = []
    for path in rule_case_files():
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            case = dict(case)
            case.setdefault("clause", doc["clause"])
            case["rule_file"] = doc["rule"]
            cases.append((f"{path.stem}[{i}] {case['name']}", case))
    return cases


def load_publicity_cases() -> list[tuple[str, dict[str, Any]]]:
    doc = yaml.safe_load((CASES_DIR / "publicity_end.yaml").read_text(encoding="utf-8"))
    return [(f"publicity_end[{i}] {c['name']}", c) for i, c in enumerate(doc["cases"])]


@pytest.fixture(scope="session")
def policy_2023():
    from rounds.policy import Policy, load_policy_file

    data, _sha = load_policy_file(Path(settings.POLICY_DIR) / "bz-2023-highway.yaml")
    return Policy(data)
