"""Reads on dossiers: who may see which, and how complete a dossier is."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from core.errors import NotFound
from dossiers.models import Attachment, Dossier
from dossiers.sections import SECTIONS, SectionInvalid, attachment_counts, context_for, validate_section


def dossiers_of_applicant(user: User) -> QuerySet[Dossier]:
    return Dossier.objects.filter(applicant=user).select_related("round", "unit")


def dossier_of_applicant(user: User, dossier_id: int) -> Dossier:
    """The user's own dossier; any other id is 'not found' (never 'forbidden', which would confirm it exists)."""
    dossier = dossiers_of_applicant(user).filter(pk=dossier_id).first() if user.is_authenticated else None
    if dossier is None:
        raise NotFound("未找到该申报材料。")
    return dossier


def dossier_visible(user: User, dossier_id: int) -> Dossier:
    """The applicant's own dossier or one a reviewer has in scope (workflow.scope decides)."""
    from workflow.scope import dossier_visible_to

    dossier = Dossier.objects.select_related("round", "unit", "applicant").filter(pk=dossier_id).first()
    if dossier is None or not dossier_visible_to(user, dossier):
        raise NotFound("未找到该申报材料。")
    return dossier


def attachment_visible(user: User, attachment_id: int) -> Attachment:
    from workflow.scope import dossier_visible_to

    attachment = (
        Attachment.objects.select_related("dossier", "dossier__round", "dossier__unit").filter(pk=attachment_id).first()
    )
    if attachment is None or not dossier_visible_to(user, attachment.dossier):
        raise NotFound("未找到该附件。")
    return attachment


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


def _masking_missing(dossier: Dossier) -> list[str]:
    """Section 15: every attachment image checked for the applicant's name (masking app decides)."""
    from masking.selectors import unconfirmed_attachments  # masking imports dossiers: import here

    pending = list(unconfirmed_attachments(dossier))
    if not pending:
        return []
    return [f"还有 {len(pending)} 张附件未确认姓名遮盖（是否需要遮盖：是/否）"]


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
            status.missing = _masking_missing(dossier)
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
