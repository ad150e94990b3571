"""Read-only rendering data for a section: labels and display values in the notice's words."""

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
    main_fields = spec.form_class(context=None).fields
    for name, form_field in main_fields.items():
        if name == "none" and data.get("none"):
            display.fields.append((spec_none_label(key), EMPTY))
        elif name != "none":
            display.fields.append((str(form_field.label), _display(form_field, data.get(name))))
    if spec.row_form_class is not None:
        row_fields = spec.row_form_class(context=None).fields
        display.row_headers = [str(f.label) for f in row_fields.values()]
        for row in data.get(spec.rows_field) or []:
            values = row_to_form(spec, row)
            display.rows.append([_display(f, values.get(name)) for name, f in row_fields.items()])
    return display


def spec_none_label(key: str) -> str:
    return {"awards": "获奖情况", "intellectual_property": "知识产权", "papers": "发表论文"}.get(key, "内容")
