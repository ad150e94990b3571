"""The applicant profile (shape of eligibility/profile.schema.json) read into typed, cheap-to-use values.

Parsing assumes a schema-valid profile (the command and the API validate first; the dossier builder builds a
valid one). Optional fields get neutral defaults here so that each rule reads plain attributes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

_fromiso = dt.date.fromisoformat


@dataclass(slots=True)
class Profile:
    round_year: int
    target_level: str
    kind: str
    employer_type: str
    retired: bool
    civil_servant: bool
    managed_as_civil_servant: bool
    county: str
    unit_level: str
    started_work: dt.date | None
    special_assignments: tuple[str, ...]
    education: tuple[tuple[str, dt.date], ...]
    title_level: str | None
    title_obtained: dt.date | None
    assessments: tuple[tuple[int, str], ...]
    # (year, type) -> total hours of that year and type
    ce_hours: dict[tuple[int, str], float]
    ce_exempt: bool
    fraud_years: tuple[int, ...]
    social_insurance_months: int | None


def parse_profile(data: dict[str, Any]) -> Profile:
    employment = data["employment"]
    title = data.get("current_title")
    ce_hours: dict[tuple[int, str], float] = {}
    for row in data.get("continuing_education") or ():
        key = (int(row["year"]), row["type"])
        ce_hours[key] = ce_hours.get(key, 0.0) + float(row["hours"])
    started = employment.get("started_work")
    return Profile(
        round_year=int(data["round_year"]),
        target_level=data["target_level"],
        kind=data["kind"],
        employer_type=employment["employer_type"],
        retired=bool(employment["retired"]),
        civil_servant=bool(employment["civil_servant"]),
        managed_as_civil_servant=bool(employment["managed_as_civil_servant"]),
        county=str(employment.get("county") or ""),
        unit_level=employment["unit_level"],
        started_work=_fromiso(started) if started else None,
        special_assignments=tuple(a["type"] for a in employment.get("special_assignments") or ()),
        education=tuple((row["level"], _fromiso(row["graduated"])) for row in data.get("education") or ()),
        title_level=title["level"] if title else None,
        title_obtained=_fromiso(title["obtained"]) if title else None,
        assessments=tuple((int(a["year"]), a["result"]) for a in data.get("assessments") or ()),
        ce_hours=ce_hours,
        ce_exempt=bool(data.get("ce_exempt", False)),
        fraud_years=tuple(int(f["round_year"]) for f in data.get("fraud_findings") or ()),
        social_insurance_months=data.get("social_insurance_months"),
    )
