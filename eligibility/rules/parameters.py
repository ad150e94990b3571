"""The `eligibility:` block of a round policy: schema, load-time validation, and resolution into a RuleSet.

Each parameter is OpenFisca-style: `{description, values: [{from, clause, value}, ...]}`. The value a round
uses is the latest one whose `from` is on or before the round's online-filing start (the moment the round
opens); a parameter with no value in force then is refused at load, naming the field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jsonschema

from accounts.unit_levels import UnitLevel
from accounts.unit_types import UnitType
from dossiers.vocabularies.assessments import AssessmentResult
from dossiers.vocabularies.education import Education
from dossiers.vocabularies.special_assignments import SpecialAssignment
from dossiers.vocabularies.titles import TitleLevel
from rounds.policy import Policy, PolicyError, parameter_reference_date, value_in_force

EDUCATION_LEVELS = Education.values
TARGET_LEVELS = ["junior", "mid"]
TITLE_LEVELS = TitleLevel.values
KINDS = ["initial", "conferral", "evaluation"]
ASSESSMENT_RESULTS = AssessmentResult.values
SPECIAL_ASSIGNMENTS = SpecialAssignment.values
EXCLUSION_FLAGS = ["retired", "civil_servant", "managed_as_civil_servant"]

_years = {"type": "integer", "minimum": 0, "maximum": 50}
# One route to a (target level, kind) for one education: years counted from graduation (the later of the
# graduation and the start of work), or from obtaining a title of `title_level` (the current title).
_route = {
    "type": "object",
    "required": ["counted_from", "years"],
    "additionalProperties": False,
    "properties": {
        "counted_from": {"enum": ["graduation", "title"]},
        "title_level": {"enum": TITLE_LEVELS},
        "years": _years,
        "source": {"type": "string", "minLength": 1},
    },
}
_requirement = {
    "type": "object",
    "required": ["source", "routes"],
    "additionalProperties": False,
    "properties": {
        # Where the routes come from (a document, or "our reading …" where no source in our hands says it).
        "source": {"type": "string", "minLength": 1},
        # education → the routes open to it; an education not listed has no route to this level and kind.
        "routes": {
            "type": "object",
            "propertyNames": {"enum": EDUCATION_LEVELS},
            "additionalProperties": {"type": "array", "items": _route},
        },
        # When no route is met, an officer decides instead of the rule refusing (passed: null): the text
        # says what the officer verifies.
        "manual_review": {"type": "string", "minLength": 1},
    },
}

# Schema of the `value` of each parameter.
PARAMETER_VALUE_SCHEMAS: dict[str, dict[str, Any]] = {
    "exclusions": {"type": "array", "items": {"enum": EXCLUSION_FLAGS}, "uniqueItems": True},
    "years_counted_until": {"type": "string", "pattern": r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"},
    "requirements": {
        "type": "object",
        "minProperties": 1,
        "propertyNames": {"enum": TARGET_LEVELS},
        "additionalProperties": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"enum": KINDS},
            "additionalProperties": _requirement,
        },
    },
    "assessment_deferral": {
        "type": "object",
        "required": ["years_per_result", "kinds", "counts_title_year", "counts_round_year"],
        "additionalProperties": False,
        "properties": {
            "years_per_result": {
                "type": "object",
                "propertyNames": {"enum": ASSESSMENT_RESULTS},
                "additionalProperties": _years,
            },
            "kinds": {"type": "array", "items": {"enum": KINDS}, "uniqueItems": True},
            "counts_title_year": {"type": "boolean"},
            "counts_round_year": {"type": "boolean"},
        },
    },
    "continuing_education": {
        "type": "object",
        "required": ["hours_per_year", "years", "kinds", "owed_from_started_work", "exemption_assignments"],
        "additionalProperties": False,
        "properties": {
            "owed_from_started_work": {"type": "boolean"},
            "exemption_assignments": {"type": "array", "items": {"enum": SPECIAL_ASSIGNMENTS}, "uniqueItems": True},
            "hours_per_year": {
                "type": "object",
                "required": ["public", "professional"],
                "additionalProperties": False,
                "properties": {
                    "public": {"type": "number", "minimum": 0},
                    "professional": {"type": "number", "minimum": 0},
                },
            },
            "years": {
                "type": "object",
                "propertyNames": {"enum": TARGET_LEVELS},
                "additionalProperties": {
                    "type": "object",
                    "required": ["public", "professional"],
                    "additionalProperties": False,
                    "properties": {"public": _years, "professional": _years},
                },
            },
            "kinds": {"type": "array", "items": {"enum": KINDS}, "uniqueItems": True},
        },
    },
    "fraud_ban": {
        "type": "object",
        "required": ["years"],
        "additionalProperties": False,
        "properties": {"years": {"type": "integer", "minimum": 1, "maximum": 50}},
    },
    "social_insurance": {
        "type": "object",
        "required": ["employer_types", "min_months"],
        "additionalProperties": False,
        "properties": {
            "employer_types": {"type": "array", "items": {"enum": UnitType.values}},
            "min_months": {"type": "integer", "minimum": 0, "maximum": 600},
        },
    },
    "defence_exemption": {
        "type": "object",
        "required": ["special_assignments", "counties", "unit_levels", "levels", "kinds"],
        "additionalProperties": False,
        "properties": {
            "special_assignments": {"type": "array", "items": {"enum": SPECIAL_ASSIGNMENTS}},
            "counties": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "unit_levels": {"type": "array", "items": {"enum": UnitLevel.values}},
            "levels": {"type": "array", "items": {"enum": TARGET_LEVELS}},
            "kinds": {"type": "array", "items": {"enum": KINDS}},
        },
    },
}

PARAMETER_NAMES = list(PARAMETER_VALUE_SCHEMAS)

_dated_value = {
    "type": "object",
    "required": ["from", "clause", "value"],
    "additionalProperties": False,
    "properties": {
        "from": {"type": "string", "format": "date"},
        "clause": {"type": "string", "minLength": 1},
        "value": {},
    },
}
_parameter = {
    "type": "object",
    "required": ["values"],
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "values": {"type": "array", "minItems": 1, "items": _dated_value},
    },
}
BLOCK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": PARAMETER_NAMES,
    "additionalProperties": False,
    "properties": dict.fromkeys(PARAMETER_NAMES, _parameter),
}


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
        return f"缺少必填字段：{'、'.join(missing)}"
    if error.validator == "additionalProperties":
        return f"含有未定义的字段：{error.message}"
    if error.validator == "enum":
        return f"取值“{error.instance}”不在允许范围 {error.validator_value} 内"
    if error.validator == "type":
        return f"类型错误，应为 {error.validator_value}，实际为 {error.instance!r}"
    if error.validator == "pattern":
        return f"“{error.instance}”格式不正确"
    if error.validator == "format":
        return f"“{error.instance}”不是有效日期（应为 YYYY-MM-DD）"
    if error.validator == "minimum":
        return f"取值 {error.instance!r} 小于最小值 {error.validator_value}"
    return f"不符合要求：{error.message}"


def _first_error(schema: dict[str, Any], instance: Any, prefix: str) -> PolicyError | None:
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(
        validator.iter_errors(instance), key=lambda e: (len(list(e.absolute_path)), [str(p) for p in e.absolute_path])
    )
    if not errors:
        return None
    error = errors[0]
    # propertyNames errors point at the object; name the offending key instead.
    path = [prefix, *(str(p) for p in error.absolute_path)]
    if "propertyNames" in error.relative_schema_path:
        path.append(str(error.instance))
    return PolicyError(".".join(path), _message(error))


def validate_eligibility_block(policy_data: dict[str, Any]) -> None:
    """Block validator registered with rounds.policy: refuse a malformed `eligibility:` block, naming the field."""
    block = policy_data.get("eligibility")
    if block is None:
        raise PolicyError("eligibility", "缺少资格条件参数块（eligibility）")
    error = _first_error(BLOCK_SCHEMA, block, "eligibility")
    if error:
        raise error
    at = parameter_reference_date(policy_data)
    for name, parameter in block.items():
        seen: set[str] = set()
        for i, entry in enumerate(parameter["values"]):
            if str(entry["from"]) in seen:
                raise PolicyError(f"eligibility.{name}.values.{i}.from", f"与前面的取值生效日期相同（{entry['from']}）")
            seen.add(str(entry["from"]))
            error = _first_error(PARAMETER_VALUE_SCHEMAS[name], entry["value"], f"eligibility.{name}.values.{i}.value")
            if error:
                raise error
        if value_in_force(parameter, at) is None:
            raise PolicyError(f"eligibility.{name}.values", f"没有在本批次网上申报开始日 {at.isoformat()} 已生效的取值")
    # Every parameter has a value in force at `at` (checked just above).
    years_counted_until = value_in_force(block["years_counted_until"], at)
    requirements_in_force = value_in_force(block["requirements"], at)
    assert years_counted_until is not None and requirements_in_force is not None
    month, day = (int(x) for x in years_counted_until["value"].split("-"))
    try:
        dt.date(2023, month, day)  # a non-leap year: "02-29" would not exist in most round years
    except ValueError as exc:
        raise PolicyError("eligibility.years_counted_until", f"“{month:02d}-{day:02d}”不是每年都存在的日期") from exc
    requirements = requirements_in_force["value"]
    for level, kinds in requirements.items():
        for kind, req in kinds.items():
            for education, routes in req["routes"].items():
                for i, route in enumerate(routes):
                    if route["counted_from"] == "title" and "title_level" not in route:
                        raise PolicyError(
                            f"eligibility.requirements.value.{level}.{kind}.routes.{education}.{i}.title_level",
                            "按任职年限计算时必须写明所需的现任职称级别",
                        )
            if not req["routes"] and "manual_review" not in req:
                raise PolicyError(
                    f"eligibility.requirements.value.{level}.{kind}.routes", "没有任何途径，也未规定人工核定"
                )
    for level, kind in ((a["level"], a["kind"]) for a in policy_data["applications"]):
        if kind not in requirements.get(level, {}):
            raise PolicyError(
                f"eligibility.requirements.value.{level}.{kind}", "本批次受理该级别与类型，但未规定学历与年限条件"
            )


@dataclass(frozen=True, slots=True)
class Parameter:
    """A resolved parameter: its value for the round and the clause it comes from."""

    value: Any
    clause: str
    holds_from: dt.date


def resolve_parameters(policy: Policy) -> dict[str, Parameter]:
    """Every eligibility parameter's value in force for this round."""
    at = parameter_reference_date(policy.data)
    if "eligibility" not in policy.data:
        raise PolicyError(
            "eligibility", f"评审批次“{policy.slug}”的策略缺少资格条件参数，请重新加载策略文件（manage.py load_rounds）"
        )
    resolved: dict[str, Parameter] = {}
    for name in PARAMETER_NAMES:
        entry = value_in_force(policy.data["eligibility"][name], at)
        if entry is None:  # validated at load; a round stored before the block existed lands here
            raise PolicyError(f"eligibility.{name}.values", f"没有在 {at.isoformat()} 已生效的取值")
        resolved[name] = Parameter(
            value=entry["value"], clause=str(entry["clause"]), holds_from=dt.date.fromisoformat(str(entry["from"]))
        )
    return resolved
