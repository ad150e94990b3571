"""Validation of an applicant profile against eligibility/profile.schema.json (the SPEC 7 contract).

The schema is a copy of the shared contract file kept in the repository so that it is self-contained;
tests/eligibility/test_schema.py checks the copy still equals the shared one when that is present.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from core.errors import DomainError, ErrorCode

SCHEMA_PATH = Path(__file__).resolve().parent / "profile.schema.json"


class ProfileInvalid(DomainError):
    code = ErrorCode.INVALID_INPUT


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _describe(error: jsonschema.ValidationError) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".") or "(根)"
    if error.validator == "required":
        # jsonschema reports each missing property as its own error ("'kind' is a required property").
        what = f"缺少必填字段 {error.message.split(' is a required')[0]}"
    elif error.validator == "additionalProperties":
        what = f"含有未定义的字段（{error.message}）"
    elif error.validator == "enum":
        what = f"取值 {error.instance!r} 不在允许范围 {error.validator_value} 内"
    elif error.validator == "type":
        what = f"类型错误，应为 {error.validator_value}，实际为 {error.instance!r}"
    elif error.validator == "format":
        what = f"{error.instance!r} 不是有效的 {error.validator_value}（日期应为 YYYY-MM-DD）"
    elif error.validator == "oneOf":
        what = "应为 null 或包含 level、obtained 的对象（level ∈ technician/junior/mid，obtained 为 YYYY-MM-DD）"
    else:
        what = error.message
    return f"{path}: {what}"


def validate_profile(data: Any) -> dict[str, Any]:
    """Return the profile unchanged when it matches the schema; otherwise raise ProfileInvalid naming every problem."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = list(dict.fromkeys(_describe(e) for e in errors))[:12] or _years_out_of_range(data)
    if problems:
        raise ProfileInvalid("申报人资料不符合格式要求：" + "；".join(problems), details={"errors": problems})
    return data


# Years the rules can compute with (calendar arithmetic fails outside 1..9999; no real profile is near either).
YEAR_RANGE = (1900, 2100)


def _years_out_of_range(data: dict[str, Any]) -> list[str]:
    """The schema says "integer"; the rules also need a plausible calendar year."""
    years = [("round_year", data["round_year"])]
    for list_name, key in (("assessments", "year"), ("continuing_education", "year"), ("fraud_findings", "round_year")):
        years += [(f"{list_name}[{i}].{key}", row[key]) for i, row in enumerate(data.get(list_name) or [])]
    low, high = YEAR_RANGE
    return [
        f"{path}: 年份 {year} 超出范围（应在 {low}—{high} 之间）" for path, year in years if not low <= year <= high
    ]
