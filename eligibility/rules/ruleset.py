"""A round's eligibility parameters compiled once into plain lookups, so each profile check is cheap."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from accounts.unit_levels import UnitLevel
from accounts.unit_types import UnitType
from dossiers.vocabularies.assessments import AssessmentResult
from dossiers.vocabularies.continuing_education import CeSubject
from dossiers.vocabularies.education import Education
from dossiers.vocabularies.titles import TitleLevel
from eligibility.rules.parameters import Parameter, resolve_parameters
from rounds.policy import Policy

# Label lookups over the shared vocabularies (dossiers.vocabularies, accounts), for wording the reasons.
EDUCATION_LABELS = dict(Education.choices)
TITLE_LABELS = dict(TitleLevel.choices)
ASSESSMENT_LABELS = dict(AssessmentResult.choices)
CE_TYPE_LABELS = dict(CeSubject.choices)
UNIT_LEVEL_LABELS = dict(UnitLevel.choices)
EMPLOYER_TYPE_LABELS = dict(UnitType.choices)


@dataclass(frozen=True, slots=True)
class Route:
    """One way to meet a (target level, kind) with one education: `years` counted from graduation, or from
    obtaining the current title of `title_level`."""

    counted_from: str  # "graduation" or "title"
    title_level: str | None
    years: int
    source: str


@dataclass(frozen=True, slots=True)
class Requirement:
    """Education and years for one (target level, kind): the routes per education, the source they come
    from, and what an officer verifies when no route is met (empty: the rule refuses instead)."""

    routes: dict[str, tuple[Route, ...]]
    source: str
    manual_review: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    slug: str
    policy_year: int
    level_labels: dict[str, str]
    kind_labels: dict[str, str]
    offered: frozenset[tuple[str, str]]
    fees: dict[tuple[str, str], int]
    fees_clause: str
    exclusions: frozenset[str]
    cutoff_month: int
    cutoff_day: int
    requirements: dict[tuple[str, str], Requirement]
    deferral: dict[str, int]
    deferral_kinds: frozenset[str]
    deferral_counts_title_year: bool
    deferral_counts_round_year: bool
    ce_hours: dict[str, float]
    ce_years: dict[str, dict[str, int]]
    ce_kinds: frozenset[str]
    ce_owed_from_started_work: bool
    ce_exemption_assignments: frozenset[str]
    fraud_ban_years: int
    si_employer_types: frozenset[str]
    si_min_months: int
    defence_assignments: frozenset[str]
    defence_counties: frozenset[str]
    defence_unit_levels: frozenset[str]
    defence_levels: frozenset[str]
    defence_kinds: frozenset[str]
    clauses: dict[str, str]

    def cutoff(self, year: int) -> dt.date:
        return dt.date(year, self.cutoff_month, self.cutoff_day)

    def target_label(self, level: str, kind: str) -> str:
        return f"{self.level_labels.get(level, level)}（{self.kind_labels.get(kind, kind)}）"


def _requirement(req: dict[str, Any]) -> Requirement:
    source = str(req["source"])
    routes = {
        education: tuple(
            Route(
                counted_from=r["counted_from"],
                title_level=r.get("title_level"),
                years=int(r["years"]),
                source=str(r.get("source") or source),
            )
            for r in rows
        )
        for education, rows in req["routes"].items()
    }
    return Requirement(routes=routes, source=source, manual_review=str(req.get("manual_review") or ""))


def compile_ruleset(policy: Policy) -> RuleSet:
    params: dict[str, Parameter] = resolve_parameters(policy)
    month, day = (int(x) for x in params["years_counted_until"].value.split("-"))
    requirements = {
        (level, kind): _requirement(req)
        for level, kinds in params["requirements"].value.items()
        for kind, req in kinds.items()
    }
    offered = frozenset(policy.applications())
    fees = {(level, kind): fee for level, kind in offered if (fee := policy.fee(level=level, kind=kind)) is not None}
    deferral = params["assessment_deferral"].value
    ce = params["continuing_education"].value
    si = params["social_insurance"].value
    defence = params["defence_exemption"].value
    return RuleSet(
        slug=policy.slug,
        policy_year=policy.year,
        level_labels={k: str(v["label"]) for k, v in policy.data["levels"].items()},
        kind_labels={k: str(v["label"]) for k, v in policy.data["kinds"].items()},
        offered=offered,
        fees=fees,
        fees_clause=str(policy.data["fees"].get("clause", "")),
        exclusions=frozenset(params["exclusions"].value),
        cutoff_month=month,
        cutoff_day=day,
        requirements=requirements,
        deferral={k: int(v) for k, v in deferral["years_per_result"].items()},
        deferral_kinds=frozenset(deferral["kinds"]),
        deferral_counts_title_year=bool(deferral["counts_title_year"]),
        deferral_counts_round_year=bool(deferral["counts_round_year"]),
        ce_hours={k: float(v) for k, v in ce["hours_per_year"].items()},
        ce_years={level: dict(v) for level, v in ce["years"].items()},
        ce_kinds=frozenset(ce["kinds"]),
        ce_owed_from_started_work=bool(ce["owed_from_started_work"]),
        ce_exemption_assignments=frozenset(ce["exemption_assignments"]),
        fraud_ban_years=int(params["fraud_ban"].value["years"]),
        si_employer_types=frozenset(si["employer_types"]),
        si_min_months=int(si["min_months"]),
        defence_assignments=frozenset(defence["special_assignments"]),
        defence_counties=frozenset(defence["counties"]),
        defence_unit_levels=frozenset(defence["unit_levels"]),
        defence_levels=frozenset(defence["levels"]),
        defence_kinds=frozenset(defence["kinds"]),
        clauses={name: p.clause for name, p in params.items()},
    )


# Compiled rule sets by policy identity. A Round builds one Policy object per instance; the cache keeps the
# policy object alive beside its rule set so that `id()` cannot be reused by a different policy.
_CACHE: OrderedDict[int, tuple[Policy, RuleSet]] = OrderedDict()
_CACHE_SIZE = 32


def ruleset_for(policy: Policy) -> RuleSet:
    key = id(policy)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is policy:
        _CACHE.move_to_end(key)
        return hit[1]
    ruleset = compile_ruleset(policy)
    _CACHE[key] = (policy, ruleset)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return ruleset
