"""Reads for eligibility: a round's policy by slug, a dossier's profile, and the dossier self-check.

The self-check builds the same profile the `eligibility` command reads (profile.schema.json) from the
dossier's own section data, its unit and the fraud register, and runs the same rules. Sections not filled in
yet make the rules that read them "待填写" instead of failing on placeholder values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError

from core.errors import NotFound
from dossiers.access import ReviewLevel, organization_for_level
from dossiers.models import Dossier
from eligibility.models import FraudFinding, normalise_id_number
from eligibility.rules import EligibilityResult, evaluate_parsed, parse_profile, ruleset_for
from rounds.models import Round
from rounds.policy import Policy, load_policy_file

_SLUG = re.compile(r"^[a-z0-9-]+$")


def round_policy_for_slug(slug: str) -> Policy:
    """The round's policy from the database when loaded, otherwise from policies/<slug>.yaml."""
    try:
        round_ = Round.objects.filter(slug=slug).first()
    except DatabaseError:  # the database is not set up yet: the policy file still answers
        round_ = None
    if round_ is not None and "eligibility" in round_.policy_data:
        return round_.policy
    path = Path(settings.POLICY_DIR) / f"{slug}.yaml"
    if round_ is not None and not path.is_file():
        return round_.policy  # stored before its eligibility block existed: resolve_parameters says so
    if not _SLUG.match(slug) or not path.is_file():
        raise NotFound(f"评审批次“{slug}”不存在（数据库中未加载，{settings.POLICY_DIR} 下也没有 {slug}.yaml）。")
    data, _sha = load_policy_file(path)
    return Policy(data)


# While `fraud_register_loaded` runs: id number → the years of its findings, the register read once.
_loaded_register: ContextVar[dict[str, list[int]] | None] = ContextVar("loaded_fraud_register", default=None)


@contextmanager
def fraud_register_loaded() -> Iterator[None]:
    """Within the block fraud_years_for answers from the register read once (a list page checking the
    eligibility of many dossiers), not with one query per dossier. The register holds few rows."""
    register: dict[str, list[int]] = {}
    for number, year in FraudFinding.objects.values_list("id_number", "round_year"):
        register.setdefault(number, []).append(year)
    token = _loaded_register.set(register)
    try:
        yield
    finally:
        _loaded_register.reset(token)


def fraud_years_for(id_number: str) -> list[int]:
    number = normalise_id_number(id_number)
    if not number:
        return []
    register = _loaded_register.get()
    if register is not None:
        return sorted(register.get(number, []))
    return sorted(FraudFinding.objects.filter(id_number=number).values_list("round_year", flat=True))


# --- the profile of a dossier --------------------------------------------------------------------------

# Which rules read which section (a rule waits while any of its sections is not filled in).
RULE_SECTIONS: dict[str, tuple[str, ...]] = {
    "exclusion": ("basic_info",),
    "education_years": ("basic_info", "education", "current_title", "assessments"),
    "assessment": ("current_title", "assessments"),
    # CE is owed from the year work started, and an exemption needs annex 4's assignments (basic_info).
    "continuing_education": ("basic_info", "continuing_education"),
    "social_insurance": ("social_insurance",),
    "defence_exemption": ("basic_info",),
}


@dataclass
class DossierProfile:
    profile: dict[str, Any]
    # section key → why it cannot be read yet
    missing: dict[str, str] = field(default_factory=dict)


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _unit_county_name(dossier: Dossier) -> str:
    county = organization_for_level(dossier, ReviewLevel.COUNTY)
    return county.name if county else ""


def dossier_profile(dossier: Dossier) -> DossierProfile:
    """The profile.schema.json-shaped profile of a dossier, and the sections it could not read yet."""
    sections = {s.key: (s.data or {}) for s in dossier.sections.all()}
    missing: dict[str, str] = {}
    unit = dossier.unit

    basic = sections.get("basic_info") or {}
    started_work = _iso(basic.get("started_work"))
    if not basic or started_work is None or "retired" not in basic or "civil_servant" not in basic:
        missing["basic_info"] = "基本信息（参加工作时间、是否离退休、是否公务员）"
    assignments = []
    for row in basic.get("special_assignments") or []:
        if isinstance(row, dict) and row.get("type"):
            item: dict[str, Any] = {"type": row["type"]}
            if _iso(row.get("from")):
                item["from"] = _iso(row.get("from"))
            assignments.append(item)

    education = []
    edu_rows = (sections.get("education") or {}).get("rows") or []
    for row in edu_rows:
        graduated = _iso(row.get("graduated")) if isinstance(row, dict) else None
        if not isinstance(row, dict) or not row.get("level") or graduated is None:
            missing["education"] = "学历学位情况（学历层次与毕业时间）"
            continue
        education.append({"level": row["level"], "graduated": graduated})
    if not education:
        missing["education"] = "学历学位情况（学历层次与毕业时间）"

    title_data = sections.get("current_title")
    current_title: dict[str, Any] | None = None
    if not title_data or "has_title" not in title_data:
        missing["current_title"] = "专业技术资格（现任职称及取得时间）"
    elif title_data.get("has_title"):
        obtained = _iso(title_data.get("obtained"))
        if not title_data.get("level") or obtained is None:
            missing["current_title"] = "专业技术资格（现任职称及取得时间）"
        else:
            current_title = {"level": title_data["level"], "obtained": obtained}
            if "issued_in_xinjiang" in title_data:
                current_title["issued_in_xinjiang"] = bool(title_data["issued_in_xinjiang"])

    assessments = []
    if "assessments" not in sections:
        missing["assessments"] = "任现职期间考核情况"
    for row in (sections.get("assessments") or {}).get("rows") or []:
        year = _int(row.get("year")) if isinstance(row, dict) else None
        if year is None or not row.get("result"):
            missing["assessments"] = "任现职期间考核情况（年度与考核结果）"
            continue
        assessments.append({"year": year, "result": row["result"]})

    ce_data = sections.get("continuing_education")
    ce_rows = []
    if ce_data is None or ("exempt" not in ce_data and not ce_data.get("rows")):
        missing["continuing_education"] = "继续教育培训合格证书"
    for row in (ce_data or {}).get("rows") or []:
        year = _int(row.get("year")) if isinstance(row, dict) else None
        hours = _number(row.get("hours")) if isinstance(row, dict) else None
        if year is None or hours is None or row.get("type") not in ("public", "professional"):
            missing["continuing_education"] = "继续教育培训合格证书（年度、类别与学时）"
            continue
        ce_rows.append({"year": year, "type": row["type"], "hours": hours})

    profile: dict[str, Any] = {
        "round_year": dossier.round.year,
        "target_level": dossier.level,
        "kind": dossier.kind,
        "employment": {
            "employer_type": unit.unit_type or "institution",
            "retired": bool(basic.get("retired", False)),
            "civil_servant": bool(basic.get("civil_servant", False)),
            "managed_as_civil_servant": bool(unit.managed_as_civil_servant),
            "county": _unit_county_name(dossier),
            "unit_level": unit.unit_level or "county",
            "started_work": started_work or "1900-01-01",
            "special_assignments": assignments,
        },
        "education": education,
        "current_title": current_title,
        "assessments": assessments,
        "continuing_education": ce_rows,
        "ce_exempt": bool((ce_data or {}).get("exempt", False)),
        "fraud_findings": [{"round_year": y} for y in fraud_years_for(str(basic.get("id_number") or ""))],
    }
    social = sections.get("social_insurance")
    months = _int((social or {}).get("months"))
    if months is not None:
        profile["social_insurance_months"] = months
    elif unit.unit_type == "enterprise":
        missing["social_insurance"] = "社保缴费证明（缴费月数）"
    return DossierProfile(profile=profile, missing=missing)


def dossier_self_check(dossier: Dossier) -> EligibilityResult:
    """Run the round's eligibility rules on the dossier's own data (the self-check the applicant sees,
    the same verdicts reviewers see, and the gate the submit service uses)."""
    built = dossier_profile(dossier)
    policy = dossier.round.policy
    titles = {s["key"]: s["title"] for s in policy.sections}
    pending: dict[str, str] = {}
    for rule, keys in RULE_SECTIONS.items():
        waiting = [titles.get(k, k) for k in keys if k in built.missing]
        if waiting:
            pending[rule] = "、".join(waiting)
    profile = built.profile
    # A permanent exclusion known from the unit alone (参照公务员法管理) is final even before basic_info is filled.
    if profile["employment"]["managed_as_civil_servant"]:
        pending.pop("exclusion", None)
    return evaluate_parsed(ruleset_for(policy), parse_profile(profile), pending=pending)
