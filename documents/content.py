"""Reading a dossier's sections (the data contract of the dossiers app) into printable Chinese text.

Every empty value prints as the round's empty-field marker (通知: 无填写内容的应注明“无”).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from dossiers.models import Attachment, Dossier
from dossiers.vocabularies.assessments import AssessmentResult
from dossiers.vocabularies.continuing_education import CeSubject
from dossiers.vocabularies.education import EDUCATION_RANK, Education
from dossiers.vocabularies.special_assignments import assignment_phrase
from dossiers.vocabularies.titles import TitleLevel

SEX = {"男": "男", "女": "女", "male": "男", "female": "女"}
# Label lookups over the shared vocabularies (dossiers.vocabularies) the section data is stored in.
EDUCATION_LEVELS = dict(Education.choices)
TITLE_LEVELS = dict(TitleLevel.choices)
ASSESSMENT_RESULTS = dict(AssessmentResult.choices)
CE_TYPES = dict(CeSubject.choices)


def mask_id_number(id_number: str) -> str:
    """Keep the first 4 and last 4 characters (6528**********1234): enough to tell forms apart, not to identify."""
    value = (id_number or "").strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def chinese_date(value: str | dt.date | None, *, with_day: bool = True) -> str:
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return f"{day.year}年{day.month}月{day.day}日" if with_day else f"{day.year}年{day.month}月"


@dataclass
class DossierContent:
    """Read-only access to one dossier's sections with printable values."""

    dossier: Dossier

    @cached_property
    def sections(self) -> dict[str, dict[str, Any]]:
        return {s.key: (s.data or {}) for s in self.dossier.sections.all()}

    @cached_property
    def policy(self):
        return self.dossier.round.policy

    @property
    def empty(self) -> str:
        return self.policy.text("empty_field_marker")

    def value(self, text: Any) -> str:
        """A printable value; empty, None and blank strings become the empty-field marker."""
        if text is None:
            return self.empty
        if isinstance(text, bool):
            return "是" if text else "否"
        text = str(text).strip()
        return text or self.empty

    def section(self, key: str) -> dict[str, Any]:
        return self.sections.get(key, {})

    @property
    def basic(self) -> dict[str, Any]:
        return self.section("basic_info")

    @property
    def name(self) -> str:
        return self.value(self.basic.get("name") or self.dossier.applicant.display_name)

    @property
    def sex(self) -> str:
        return self.value(SEX.get(self.basic.get("sex", ""), self.basic.get("sex")))

    @property
    def id_number(self) -> str:
        return self.value(self.basic.get("id_number"))

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.basic.get("id_number", "")) or self.empty

    @property
    def current_title(self) -> dict[str, Any]:
        return self.section("current_title")

    @property
    def current_title_name(self) -> str:
        title = self.current_title
        if not title.get("has_title", bool(title.get("title_name"))):
            return self.empty
        return self.value(title.get("title_name"))

    @property
    def current_title_obtained(self) -> str:
        title = self.current_title
        if not title.get("has_title", bool(title.get("title_name"))):
            return self.empty
        return self.value(title.get("obtained"))

    @property
    def target_title(self) -> str:
        """拟晋升专业技术职务, e.g. 工程师 (the round's label for the level applied for)."""
        return self.policy.level_label(self.dossier.level)

    @property
    def target_grade(self) -> str:
        """中级 / 初级, as the annexes word it."""
        return str(self.policy.data["levels"][self.dossier.level]["grade"])

    @property
    def roster_remark(self) -> str:
        return str(self.policy.data["kinds"][self.dossier.kind]["roster_remark"])

    @property
    def specialty(self) -> str:
        return str(self.policy.data.get("specialty", ""))

    @property
    def series(self) -> str:
        return str(self.policy.data.get("series", ""))

    @property
    def highest_education(self) -> dict[str, Any]:
        rows = self.section("education").get("rows") or []
        ranked = [r for r in rows if r.get("level") in EDUCATION_RANK]
        return max(ranked, key=lambda r: EDUCATION_RANK[r["level"]]) if ranked else {}

    @property
    def special_assignment_text(self) -> str:
        items = []
        for a in self.basic.get("special_assignments") or []:
            label = assignment_phrase(a.get("type", ""))
            period = (
                f"{chinese_date(a.get('from'), with_day=False)}至{chinese_date(a.get('to'), with_day=False) or '今'}"
            )
            items.append(f"{period}{label}")
        return "；".join(items)

    def photo(self) -> Attachment | None:
        return self.dossier.attachments.filter(section="basic_info", doc_type="photo").order_by("-uploaded_at").first()

    def row_columns(self, rows: list[dict[str, Any]]) -> list[str]:
        """Keys of free-shaped rows in first-seen order (known captions first)."""
        keys: list[str] = []
        for row in rows:
            for key in row:
                if key not in keys:
                    keys.append(key)
        return keys
