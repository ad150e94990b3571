"""Eligibility throughput: check N generated profiles against the bz-2023-highway policy; print profiles/s.

    .venv/bin/python benchmarks/eligibility_bench.py [--profiles 100000] [--seed 7]

Profiles are generated up front (random but schema-valid, spread over every level/kind, education, title
age, assessment, CE, fraud and employer combination) so that only the rules are timed: parse the profile,
run every rule, build the contract object. The rule set is compiled once per round, as in the product.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from eligibility.rules import evaluate_parsed, parse_profile, ruleset_for  # noqa: E402
from rounds.policy import Policy, load_policy_file  # noqa: E402

LEVEL_KINDS = [
    ("junior", "initial"),
    ("junior", "evaluation"),
    ("mid", "initial"),
    ("mid", "conferral"),
    ("mid", "evaluation"),
]
EDUCATION = ["secondary", "associate", "bachelor", "master", "doctorate"]
RESULTS = ["excellent", "pass", "pass", "pass", "basic_pass", "fail"]
COUNTIES = ["库尔勒市", "轮台县", "且末县", "若羌县", "和静县"]
ASSIGNMENTS = [
    "fanghuiju_village",
    "temple_committee",
    "south_preschool_support",
    "inland_service",
    "poor_village_first_secretary",
]


def _day(rng: random.Random, first_year: int, last_year: int) -> str:
    start = dt.date(first_year, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randint(start, dt.date(last_year, 12, 31).toordinal())).isoformat()


def generate(rng: random.Random, round_year: int = 2023) -> dict[str, Any]:
    level, kind = rng.choice(LEVEL_KINDS)
    graduated = _day(rng, 2000, 2023)
    education = [{"level": rng.choice(EDUCATION), "graduated": graduated}]
    if rng.random() < 0.3:
        education.append({"level": rng.choice(EDUCATION), "graduated": _day(rng, 2005, 2023)})
    title = None
    if kind != "initial" or rng.random() < 0.2:
        title = {
            "level": "technician" if level == "junior" else rng.choice(["junior", "junior", "technician"]),
            "obtained": _day(rng, 2012, 2023),
            "issued_in_xinjiang": rng.random() < 0.8,
        }
    ce = [
        {"year": y, "type": t, "hours": rng.choice([0, 29, 30, 30, 45, 60, 60, 90])}
        for y in range(round_year - 4, round_year + 1)
        for t in ("public", "professional")
        if rng.random() < 0.9
    ]
    employer = rng.choice(["enterprise", "institution", "institution", "government"])
    profile: dict[str, Any] = {
        "round_year": round_year,
        "target_level": level,
        "kind": kind,
        "employment": {
            "employer_type": employer,
            "retired": rng.random() < 0.02,
            "civil_servant": rng.random() < 0.02,
            "managed_as_civil_servant": rng.random() < 0.02,
            "county": rng.choice(COUNTIES),
            "unit_level": rng.choice(["region", "prefecture", "county", "below_county"]),
            "started_work": graduated,
            "special_assignments": [{"type": rng.choice(ASSIGNMENTS)}] if rng.random() < 0.1 else [],
        },
        "education": education,
        "current_title": title,
        "assessments": [{"year": y, "result": rng.choice(RESULTS)} for y in range(round_year - 3, round_year)],
        "continuing_education": ce,
        "ce_exempt": rng.random() < 0.05,
        "fraud_findings": [{"round_year": rng.randint(2016, 2023)}] if rng.random() < 0.03 else [],
    }
    if employer == "enterprise":
        profile["social_insurance_months"] = rng.randint(0, 60)
    return profile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data, _sha = load_policy_file(ROOT / "policies" / "bz-2023-highway.yaml")
    policy = Policy(data)
    rng = random.Random(args.seed)
    profiles = [generate(rng) for _ in range(args.profiles)]

    started = time.perf_counter()
    ruleset = ruleset_for(policy)  # compiled once per round (cached), included in the timing
    eligible = 0
    for profile in profiles:
        result = evaluate_parsed(ruleset, parse_profile(profile)).as_contract()
        eligible += result["eligible"]
    elapsed = time.perf_counter() - started

    rate = len(profiles) / elapsed
    print(f"profiles: {len(profiles)}")
    print(f"eligible: {eligible} ({eligible / len(profiles):.1%})")
    print(f"elapsed: {elapsed:.2f} s")
    print(f"profiles/s: {rate:,.0f}")
    print(f"target 10,000/s: {'met' if rate >= 10_000 else 'NOT met'}")


if __name__ == "__main__":
    main()
