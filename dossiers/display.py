"""Read-only rendering data for a section: labels and display values in the notice's words.

Labels and choices are read from the form classes' declared fields (`base_fields`, never changed), not from
a form built for the purpose: building one deep-copies every field, for nothing a summary shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms

from dossiers.forms import choice_pairs
from dossiers.sections import SECTIONS, SectionSpec, row_to_form

EMPTY = "无"


@dataclass
class SectionDisplay:
    fields: list[tuple[str, str]] = field(default_factory=list)
    row_headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def _display(form_field: forms.Field, value: Any) -> str:
    if isinstance(form_field, forms.BooleanField):
        return "是" if value else "否"
    if value is None or value == "":
        return EMPTY
    if isinstance(form_field, forms.ChoiceField):
        return str(dict(choice_pairs(form_field)).get(value, value))
    return str(value)


def section_display(key: str, data: dict[str, Any] | None) -> SectionDisplay | None:
    spec: SectionSpec = SECTIONS[key]
    if data is None or spec.form_class is None:
        return None
    display = SectionDisplay()
    main_fields = spec.form_class.base_fields
    for name, form_field in main_fields.items():
        if name == "none" and data.get("none"):
            display.fields.append((spec_none_label(key), EMPTY))
        elif name != "none":
            display.fields.append((str(form_field.label), _display(form_field, data.get(name))))
    if spec.row_form_class is not None:
        row_fields = spec.row_form_class.base_fields
        display.row_headers = [str(f.label) for f in row_fields.values()]
        for row in data.get(spec.rows_field) or []:
            values = row_to_form(spec, row)
            display.rows.append([_display(f, values.get(name)) for name, f in row_fields.items()])
    return display


def spec_none_label(key: str) -> str:
    return {"awards": "获奖情况", "intellectual_property": "知识产权", "papers": "发表论文"}.get(key, "内容")


def field_labels(key: str) -> dict[str, str]:
    """Stored keys of a section (main fields, then row fields under their stored names) → their form labels."""
    spec = SECTIONS.get(key)
    if spec is None or spec.form_class is None:
        return {}
    labels = {name: str(f.label) for name, f in spec.form_class.base_fields.items() if f.label}
    labels["none"] = spec_none_label(key) if spec.has_none else labels.get("none", EMPTY)
    if spec.row_form_class is not None:
        renamed = {form_name: stored for stored, form_name in spec.row_renames.items()}
        for name, f in spec.row_form_class.base_fields.items():
            labels.setdefault(renamed.get(name, name), str(f.label))
    return labels


def field_path_label(key: str, path: str) -> str:
    """A changed value's place in words: "rows[2].awarded_on" → "第 2 行 · 获奖时间" (never the stored key)."""
    labels = field_labels(key)
    spec = SECTIONS.get(key)
    words: list[str] = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        if spec is not None and name == spec.rows_field:
            if not index:
                words.append(spec.rows_title or "明细")
        elif name:
            words.append(labels.get(name, "其他内容"))
        if index:
            words.append(f"第 {index.rstrip(']')} 行")
    return " · ".join(words) or "内容"


def _field_named(key: str, name: str) -> forms.Field | None:
    spec = SECTIONS.get(key)
    if spec is None or spec.form_class is None:
        return None
    main = spec.form_class.base_fields
    if name in main:
        return main[name]
    if spec.row_form_class is not None:
        return spec.row_form_class.base_fields.get(spec.row_renames.get(name, name))
    return None


def field_value_label(key: str, path: str, value: Any) -> str:
    """A stored value at `path` as the reader sees it (a choice's label, 是/否), for comparisons."""
    name = path.rsplit(".", 1)[-1].partition("[")[0]
    form_field = _field_named(key, name)
    if form_field is None or isinstance(value, list | dict):
        return EMPTY if value in (None, "", []) else str(value)
    return _display(form_field, value)
