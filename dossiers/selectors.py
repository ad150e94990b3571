"""Reads on dossiers: the applicant's own dossiers and attachments, and how complete a dossier is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, prefetch_related_objects

from accounts.models import User
from core.errors import NotFound
from dossiers.access import dossier_visible_to
from dossiers.models import Attachment, Dossier
from dossiers.sections import (
    SECTIONS,
    UNIT_RECORD_TYPES,
    SectionInvalid,
    attachment_counts,
    context_for,
    validate_section,
)


def dossiers_of_applicant(user: User) -> QuerySet[Dossier]:
    return Dossier.objects.filter(applicant=user).select_related("round", "unit")


def dossier_of_applicant(user: User, dossier_id: int, *, with_review_chain: bool = False) -> Dossier:
    """The user's own dossier; any other id is 'not found' (never 'forbidden', which would confirm it exists).
    `with_review_chain` reads the unit's county (parent or, for an enterprise, county of registration) in the
    same query, for pages that name the reviewing offices."""
    mine = dossiers_of_applicant(user)
    if with_review_chain:
        mine = mine.select_related("unit__parent", "unit__registration_county")
    # One row by its key: no ORDER BY (first() would order by the model's ordering, which Django compiles
    # against every joined table: ~1 ms of every applicant request).
    found = list(mine.filter(pk=dossier_id).order_by()[:1]) if user.is_authenticated else []
    dossier = found[0] if found else None
    if dossier is None:
        raise NotFound("未找到该申报材料。")
    return dossier


def attachment_visible(user: User, attachment_id: int) -> Attachment:
    """An attachment of a dossier the user may see (dossiers.access decides), else NotFound."""
    attachment = (
        Attachment.objects.select_related("dossier", "dossier__round", "dossier__unit").filter(pk=attachment_id).first()
    )
    if attachment is None or not dossier_visible_to(user, attachment.dossier):
        raise NotFound("未找到该附件。")
    return attachment


def dossier_contents_loaded(dossier: Dossier) -> Dossier:
    """Read the dossier's sections and attachments once for a whole page: every later `dossier.sections.all()`
    and `dossier.attachments.all()` (15 sections, each asking for both) answers from this read."""
    prefetch_related_objects([dossier], "sections", "attachments")
    return dossier


def section_data(dossier: Dossier) -> dict[str, dict[str, Any]]:
    return {s.key: s.data for s in dossier.sections.all()}


def attachments_by_section(dossier: Dossier) -> dict[str, list[Attachment]]:
    result: dict[str, list[Attachment]] = {}
    for a in dossier.attachments.all():
        result.setdefault(a.section, []).append(a)
    return result


@dataclass
class SectionStatus:
    key: str
    number: int
    title: str
    saved: bool
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "number": self.number,
            "title": self.title,
            "ok": self.ok,
            "saved": self.saved,
            "missing": self.missing,
        }


@dataclass
class Completeness:
    sections: list[SectionStatus]

    @property
    def complete(self) -> bool:
        return all(s.ok for s in self.sections)

    @property
    def missing_count(self) -> int:
        return sum(1 for s in self.sections if not s.ok)

    def section(self, key: str) -> SectionStatus:
        return next(s for s in self.sections if s.key == key)


# Sections without a form (15 姓名遮盖) are checked by the app that owns their data; that app, standing
# above dossiers, registers its check at ready() so dossiers never imports it.
SectionCheck = Callable[[Dossier], list[str]]
_SECTION_CHECKS: dict[str, SectionCheck] = {}


def register_section_check(key: str, check: SectionCheck) -> None:
    """`check(dossier)` returns what is still missing in section `key` (empty when complete)."""
    _SECTION_CHECKS[key] = check


def formless_missing(key: str, dossier: Dossier) -> list[str]:
    check = _SECTION_CHECKS.get(key)
    # No registered check means nobody can vouch for the section: it stays incomplete.
    return check(dossier) if check is not None else ["本栏目暂无法检查"]


def dossier_completeness(dossier: Dossier) -> Completeness:
    """Per section of the round's policy: ok, or everything that is missing — all at once."""
    context = context_for(dossier)
    data = section_data(dossier)
    counts = attachment_counts(list(dossier.attachments.all()))
    statuses = []
    for section in dossier.round.policy.sections:
        key = section["key"]
        spec = SECTIONS[key]
        status = SectionStatus(key=key, number=section["number"], title=section["title"], saved=key in data)
        if spec.form_class is None:
            status.saved = True
            status.missing = formless_missing(key, dossier)
        elif key not in data:
            status.missing = ["尚未填写保存"]
        else:
            try:
                cleaned = validate_section(key, data[key], context)
            except SectionInvalid as exc:
                # Saved earlier but no longer valid (e.g. the unit changed): say exactly what.
                status.missing = [i.message for i in exc.issues]
                cleaned = data[key]
            if spec.attachment_check is not None:
                status.missing += spec.attachment_check(cleaned, context, counts.get(key, {}))
        statuses.append(status)
    return Completeness(sections=statuses)


def missing_unit_records(dossier: Dossier) -> list[str]:
    """The signed publicity records (annex 1, annex 2) the unit has still to upload before it may recommend."""
    present = set(dossier.attachments.values_list("section", "doc_type"))
    return [label for record, label in UNIT_RECORD_TYPES.items() if record not in present]
