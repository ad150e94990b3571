"""Round policy files: load, validate, and read.

A policy file is YAML (see policies/). Loading validates it against POLICY_SCHEMA and then against
semantic checks (window order, section keys, workflow states); any failure raises PolicyError whose
message names the field, e.g. "windows.online_filing.end: 结束日期早于开始日期".
Blocks owned by other apps (eligibility, workflow) are validated by the validators they register.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from core.errors import DomainError, ErrorCode

_date = {"type": "string", "format": "date"}
_window = {
    "type": "object",
    "required": ["label", "start", "end", "clause"],
    "properties": {"label": {"type": "string"}, "start": _date, "end": _date, "clause": {"type": "string"}},
}
_clause_value = lambda value_schema: {
    "type": "object",
    "required": ["value", "clause"],
    "properties": {"value": value_schema, "clause": {"type": "string", "minLength": 1}},
}
# "2/3": a share written as the law writes it; checked to lie in (0, 1] by _validate_committee.
_ratio = {"type": "string", "pattern": r"^\s*[1-9][0-9]*\s*/\s*[1-9][0-9]*\s*$"}
_COMMITTEE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "clause",
        "quorum",
        "pass_ratio",
        "group_min",
        "results_publicity_days",
        "certificate_prefix",
        "defence",
    ],
    "properties": {
        "clause": {"type": "string", "minLength": 1},
        "quorum": _clause_value(_ratio),
        "pass_ratio": _clause_value(_ratio),
        "group_min": _clause_value({"type": "integer", "minimum": 3}),
        "results_publicity_days": _clause_value({"type": "integer", "minimum": 5}),
        "certificate_prefix": _clause_value({"type": "string", "pattern": "^[A-Z0-9]{1,12}$"}),
        "defence": {
            "type": "object",
            "required": ["scored", "pass_score", "no_defence_kinds", "sheet"],
            "properties": {
                "scored": _clause_value({"type": "boolean"}),
                "pass_score": _clause_value({"type": "number", "minimum": 0}),
                "no_defence_kinds": _clause_value({"type": "array", "items": {"type": "string"}}),
                "sheet": _clause_value(
                    {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["key", "label", "max"],
                            "properties": {
                                "key": {"type": "string", "pattern": "^[a-z_]+$"},
                                "label": {"type": "string", "minLength": 1},
                                "max": {"type": "number", "exclusiveMinimum": 0},
                            },
                        },
                    }
                ),
            },
        },
    },
}

POLICY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "format",
        "slug",
        "version",
        "name",
        "year",
        "windows",
        "levels",
        "kinds",
        "applications",
        "fees",
        "submission",
        "publicity",
        "texts",
        "attachments",
        "sections",
        "workflow",
    ],
    "properties": {
        "format": {"const": 1},
        "slug": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "version": {"type": "integer", "minimum": 1},
        "name": {"type": "string", "minLength": 1},
        "year": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "windows": {
            "type": "object",
            "required": ["online_filing", "review"],
            "additionalProperties": _window,
        },
        "levels": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "object", "required": ["label", "grade"]},
        },
        "kinds": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {"type": "object", "required": ["label", "roster_remark"]},
        },
        "applications": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["level", "kind"]},
        },
        "fees": {
            "type": "object",
            "required": ["clause", "yuan"],
            "properties": {
                "yuan": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "integer", "minimum": 0},
                    },
                }
            },
        },
        "submission": {
            "type": "object",
            "required": ["max_submissions", "resubmit_within_hours", "reminder_hours_before_deadline"],
            "additionalProperties": _clause_value({"type": "integer", "minimum": 1}),
        },
        "publicity": {
            "type": "object",
            "required": ["min_working_days"],
            "properties": {"min_working_days": _clause_value({"type": "integer", "minimum": 1})},
        },
        "texts": {
            "type": "object",
            "required": ["recommendation_opinion", "commitment", "annex3_commitment", "empty_field_marker"],
            "additionalProperties": _clause_value({"type": "string", "minLength": 1}),
        },
        "attachments": {
            "type": "object",
            "required": ["formats", "max_bytes", "max_pixels", "min_side_px", "max_per_section", "max_per_dossier"],
            "properties": {
                "formats": {"type": "array", "items": {"enum": ["jpeg"]}, "minItems": 1},
                # Bounded above: these budgets are what keeps one upload from costing the server gigabytes.
                "max_bytes": {"type": "integer", "minimum": 1024, "maximum": 20 * 1024 * 1024},
                "max_pixels": {"type": "integer", "minimum": 10000, "maximum": 50_000_000},
                "min_side_px": {"type": "integer", "minimum": 1},
                "max_per_section": {"type": "integer", "minimum": 1, "maximum": 500},
                "max_per_dossier": {"type": "integer", "minimum": 1, "maximum": 2000},
                # A slot whose standard format is smaller than a scanned page (the one-inch photo: 295×413).
                "min_side_px_by_doc_type": {
                    "type": "object",
                    "additionalProperties": {"type": "integer", "minimum": 1},
                },
            },
        },
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["key", "number", "title", "clause"],
                "properties": {
                    "key": {"type": "string"},
                    "number": {"type": "integer"},
                    "title": {"type": "string"},
                    # Standard return reasons a reviewer picks from (free text is still allowed).
                    "return_reasons": {"type": "array", "items": {"type": "string", "minLength": 1}},
                },
            },
        },
        "workflow": {
            "type": "object",
            "required": ["initial", "states", "transitions"],
            "properties": {
                "states": {"type": "object", "additionalProperties": {"type": "string"}},
                "transitions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["action", "from", "to", "role", "label"],
                        "properties": {
                            "action": {"type": "string"},
                            "from": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                            "to": {"type": "string"},
                            "role": {"type": "string"},
                            "window": {"type": "string"},
                            "label": {"type": "string"},
                        },
                    },
                },
            },
        },
        "committee": _COMMITTEE_SCHEMA,
    },
}


class PolicyError(DomainError):
    code = ErrorCode.POLICY_INVALID

    def __init__(self, field_path: str, message: str, *, source: str = "") -> None:
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{field_path}: {message}", details={"field": field_path})
        self.field_path = field_path


# Apps that own a block of the policy register a validator here (called with the whole policy dict).
BlockValidator = Callable[[dict[str, Any]], None]
_block_validators: list[BlockValidator] = []


def register_block_validator(validator: BlockValidator) -> BlockValidator:
    if validator not in _block_validators:
        _block_validators.append(validator)
    return validator


# Names the code relies on. rounds sits below the apps that use them, so each app declares its own on start
# (AppConfig.ready); a policy that lacks one is refused, naming it, before any dossier meets it.
_required_states: dict[str, str] = {}
_section_keys: list[str] = []


def require_states(owner: str, states: Iterable[str]) -> None:
    """`owner` (an app, in the refusal message) needs every policy to define these workflow states."""
    for state in states:
        _required_states.setdefault(state, owner)


def declare_sections(keys: Iterable[str]) -> None:
    """The dossier sections the code implements; a policy must list exactly these."""
    _section_keys[:] = list(keys)


def _check_required_names(data: dict[str, Any], source: str) -> None:
    states = data["workflow"]["states"]
    for state, owner in _required_states.items():
        if state not in states:
            raise PolicyError("workflow.states", f"缺少程序所需的状态“{state}”（{owner}使用）", source=source)
    keys = [s["key"] for s in data["sections"]]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    missing = [k for k in _section_keys if k not in keys]
    unknown = [k for k in keys if _section_keys and k not in _section_keys]
    if duplicates or missing or unknown:
        problems = [
            f"缺少：{'、'.join(missing)}" if missing else "",
            f"未知：{'、'.join(unknown)}" if unknown else "",
            f"重复：{'、'.join(duplicates)}" if duplicates else "",
        ]
        raise PolicyError(
            "sections",
            f"必须恰好列出通知第五部分的 {len(_section_keys)} 个栏目，{'；'.join(p for p in problems if p)}",
            source=source,
        )


def clause_label(clause: str) -> str:
    """A policy `clause` as a reader sees it: "notice 五(二)" → "通知五(二)", "our reading" → "本平台解读"."""
    return str(clause).replace("notice ", "通知").replace("our reading", "本平台解读")


def _path(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(根)"


def _to_date(value: Any, field_path: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise PolicyError(field_path, f"“{value}”不是有效日期（应为 YYYY-MM-DD）") from exc


def _normalise_dates(data: Any) -> Any:
    """YAML gives datetime.date objects; the schema and JSON storage want ISO strings."""
    if isinstance(data, dict):
        return {k: _normalise_dates(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normalise_dates(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def validate_policy(data: Any, *, source: str = "") -> dict[str, Any]:
    """Validate a parsed policy; return it normalised (dates as ISO strings). Raises PolicyError."""
    if not isinstance(data, dict):
        raise PolicyError("(根)", "策略文件必须是一个 YAML 映射", source=source)
    data = _normalise_dates(data)
    validator = jsonschema.Draft202012Validator(POLICY_SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(list(e.absolute_path)), _path(e)))
    if errors:
        first = errors[0]
        raise PolicyError(_path(first), _schema_message(first), source=source)

    for name, window in data["windows"].items():
        start = _to_date(window["start"], f"windows.{name}.start")
        end = _to_date(window["end"], f"windows.{name}.end")
        if end < start:
            raise PolicyError(f"windows.{name}.end", "结束日期早于开始日期", source=source)
    if "committee" in data:
        _validate_committee(data, source=source)
    for i, app in enumerate(data["applications"]):
        if app["level"] not in data["levels"]:
            raise PolicyError(f"applications.{i}.level", f"未定义的级别“{app['level']}”", source=source)
        if app["kind"] not in data["kinds"]:
            raise PolicyError(f"applications.{i}.kind", f"未定义的申报类型“{app['kind']}”", source=source)
        if app["level"] not in data["fees"]["yuan"].get(app["kind"], {}):
            raise PolicyError(f"fees.yuan.{app['kind']}.{app['level']}", "缺少该级别与类型的评审费", source=source)
    _check_required_names(data, source)
    limits = data["attachments"]
    if limits["max_per_section"] > limits["max_per_dossier"]:
        raise PolicyError("attachments.max_per_section", "每栏附件上限不能大于每份申报附件上限", source=source)
    wf = data["workflow"]
    states = set(wf["states"])
    if wf["initial"] not in states:
        raise PolicyError("workflow.initial", f"未定义的状态“{wf['initial']}”", source=source)
    special_targets = {"resubmit_target", "next_level"}
    for i, tr in enumerate(wf["transitions"]):
        for state in tr["from"]:
            if state not in states:
                raise PolicyError(f"workflow.transitions.{i}.from", f"未定义的状态“{state}”", source=source)
        if tr["to"] not in states and tr["to"] not in special_targets:
            raise PolicyError(f"workflow.transitions.{i}.to", f"未定义的状态“{tr['to']}”", source=source)
        if tr.get("window") and tr["window"] not in data["windows"]:
            raise PolicyError(f"workflow.transitions.{i}.window", f"未定义的时间窗口“{tr['window']}”", source=source)
    for block_validator in _block_validators:
        try:
            block_validator(data)
        except PolicyError as exc:
            if source and not exc.message.startswith(source):
                raise PolicyError(exc.field_path, exc.message.split(": ", 1)[-1], source=source) from exc
            raise
    return data


def parse_ratio(text: str) -> Fraction:
    """ "2/3" → Fraction(2, 3); exact, so "yes ≥ 2/3 of present" never suffers float rounding."""
    numerator, denominator = (int(part) for part in text.split("/"))
    return Fraction(numerator, denominator)


def _validate_committee(data: dict[str, Any], *, source: str) -> None:
    """Meaning of the `committee:` block (shapes are checked by the schema)."""
    block = data["committee"]
    for key in ("quorum", "pass_ratio"):
        if parse_ratio(block[key]["value"]) > 1:
            raise PolicyError(f"committee.{key}.value", "比例不能大于 1（例如 2/3）", source=source)
    defence = block["defence"]
    for kind in defence["no_defence_kinds"]["value"]:
        if kind not in data["kinds"]:
            raise PolicyError("committee.defence.no_defence_kinds", f"未定义的申报类型“{kind}”", source=source)
    sheet = defence["sheet"]["value"]
    keys = [item["key"] for item in sheet]
    if len(keys) != len(set(keys)):
        raise PolicyError("committee.defence.sheet", "评分项的 key 不能重复", source=source)
    full_marks = sum(item["max"] for item in sheet)
    if defence["pass_score"]["value"] > full_marks:
        raise PolicyError("committee.defence.pass_score", f"通过分数高于评分表满分（{full_marks:g} 分）", source=source)
    if "committee_review" not in data["windows"]:
        raise PolicyError(
            "windows.committee_review", "配置了评审委员会参数的批次必须给出评审委员会评审时间", source=source
        )


def _schema_message(error: jsonschema.ValidationError) -> str:
    if error.validator == "required":
        missing = [p for p in error.validator_value if isinstance(error.instance, dict) and p not in error.instance]
        return f"缺少必填字段：{'、'.join(missing)}"
    if error.validator == "type":
        return f"类型错误，应为 {error.validator_value}，实际为 {error.instance!r}"
    if error.validator == "enum":
        return f"取值“{error.instance}”不在允许范围 {error.validator_value} 内"
    if error.validator == "format":
        return f"“{error.instance}”格式不正确（应为 {error.validator_value}）"
    return f"不符合要求：{error.message}"


def load_policy_file(path: Path) -> tuple[dict[str, Any], str]:
    """Parse and validate one policy file; returns (policy, sha256 of the file)."""
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PolicyError("(文件)", f"YAML 语法错误：{exc}", source=path.name) from exc
    return validate_policy(data, source=path.name), hashlib.sha256(raw).hexdigest()


def parameter_reference_date(policy_data: dict[str, Any]) -> dt.date:
    """The date at which a round's dated parameters are read: the start of its online filing."""
    return dt.date.fromisoformat(str(policy_data["windows"]["online_filing"]["start"]))


def value_in_force(parameter: dict[str, Any], at: dt.date) -> dict[str, Any] | None:
    """Of a dated parameter's `values`, the latest entry whose `from` is on or before `at`."""
    chosen = None
    for entry in parameter["values"]:
        start = dt.date.fromisoformat(str(entry["from"]))
        if start <= at and (chosen is None or start >= dt.date.fromisoformat(str(chosen["from"]))):
            chosen = entry
    return chosen


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: dt.date
    end: dt.date
    clause: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def describe(self) -> str:
        return f"{self.label}时间（{self.start:%Y年%m月%d日}—{self.end:%Y年%m月%d日}）"


@dataclass
class Policy:
    """Typed read access to a validated policy dict."""

    data: dict[str, Any]
    _windows: dict[str, Window] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for key, w in self.data["windows"].items():
            self._windows[key] = Window(
                key=key,
                label=w["label"],
                start=dt.date.fromisoformat(w["start"]),
                end=dt.date.fromisoformat(w["end"]),
                clause=w["clause"],
            )

    @property
    def slug(self) -> str:
        return str(self.data["slug"])

    @property
    def year(self) -> int:
        return int(self.data["year"])

    @property
    def region(self) -> str:
        return str(self.data.get("region", ""))

    @property
    def committee_line(self) -> str:
        """Region, series and specialty as the site footer names the round's committee."""
        field_name = f"{self.data.get('series', '')}{self.data.get('specialty', '')}"
        parts = [self.region, f"{field_name}专业职称评审" if field_name else ""]
        return " · ".join(p for p in parts if p)

    def window(self, key: str) -> Window:
        return self._windows[key]

    @property
    def windows(self) -> dict[str, Window]:
        return dict(self._windows)

    def level_label(self, level: str) -> str:
        return str(self.data["levels"][level]["label"])

    def kind_label(self, kind: str) -> str:
        return str(self.data["kinds"][kind]["label"])

    def fee(self, *, level: str, kind: str) -> int | None:
        value = self.data["fees"]["yuan"].get(kind, {}).get(level)
        return int(value) if value is not None else None

    def text(self, key: str) -> str:
        return str(self.data["texts"][key]["value"])

    def submission_param(self, key: str) -> int:
        return int(self.data["submission"][key]["value"])

    @property
    def max_submissions(self) -> int:
        return self.submission_param("max_submissions")

    @property
    def resubmit_within_hours(self) -> int:
        return self.submission_param("resubmit_within_hours")

    @property
    def publicity_min_working_days(self) -> int:
        return int(self.data["publicity"]["min_working_days"]["value"])

    @property
    def attachments(self) -> dict[str, Any]:
        return dict(self.data["attachments"])

    def attachment_limits(self, doc_type: str) -> dict[str, Any]:
        """The attachment limits for one kind of document: the round's, with the slot's own minimum side if any."""
        limits = self.attachments
        own = limits.get("min_side_px_by_doc_type", {}).get(doc_type)
        if own is not None:
            limits["min_side_px"] = int(own)
        return limits

    @property
    def sections(self) -> list[dict[str, Any]]:
        return sorted(self.data["sections"], key=lambda s: s["number"])

    def return_reasons(self, key: str) -> list[str]:
        """The standard reasons a reviewer may pick when returning this section (policy `sections[].return_reasons`)."""
        return [str(r) for r in self.section(key).get("return_reasons") or []]

    def section(self, key: str) -> dict[str, Any]:
        for s in self.data["sections"]:
            if s["key"] == key:
                return dict(s)
        raise KeyError(key)

    def applications(self) -> list[tuple[str, str]]:
        return [(a["level"], a["kind"]) for a in self.data["applications"]]

    @property
    def workflow(self) -> dict[str, Any]:
        return dict(self.data["workflow"])

    def eligibility_value(self, name: str) -> Any:
        """The value in force of a dated `eligibility:` parameter (validated at load by the eligibility app)."""
        entry = value_in_force(self.data["eligibility"][name], parameter_reference_date(self.data))
        if entry is None:
            raise PolicyError(f"eligibility.{name}.values", "没有在网上申报开始时已生效的取值")
        return entry["value"]

    def state_label(self, state: str) -> str:
        return str(self.data["workflow"]["states"].get(state, state))

    @property
    def committee(self) -> dict[str, Any]:
        """The validated `committee:` block; a round without one cannot run the committee stage."""
        block = self.data.get("committee")
        if block is None:
            raise PolicyError("committee", f"评审批次“{self.slug}”的策略文件未配置评审委员会参数（committee）")
        return dict(block)

    def committee_value(self, key: str) -> Any:
        return self.committee[key]["value"]

    def committee_ratio(self, key: str) -> Fraction:
        return parse_ratio(str(self.committee_value(key)))

    def defence_value(self, key: str) -> Any:
        return self.committee["defence"][key]["value"]
