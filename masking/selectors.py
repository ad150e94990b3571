"""Reads on masking — and the ONE place that decides which file of an attachment a viewer receives.

Originals go only to the applicant and to officers of the dossier's own review chain
(dossiers.access). Experts receive only the masked copy of a confirmed attachment of a dossier
assigned to them: the committee app, above this one, registers who that is at ready()
(`register_masked_reader`). Every view and API endpoint that
serves attachment images goes through `attachment_file_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import prefetch_related_objects
from django.db.models.fields.files import FieldFile

from accounts.models import User
from core.errors import NotFound, PermissionDenied
from core.prefetch import prefetched
from core.text import names_listed
from dossiers.access import dossier_visible_to
from dossiers.models import Attachment, Dossier
from dossiers.sections import is_unit_record, withheld_from_experts
from masking.detection import Identifiers
from masking.models import AttachmentMasking, MaskingStatus


class FileVariant:
    ORIGINAL = "original"
    MASKED = "masked"


def identifiers_for(dossier: Dossier) -> Identifiers:
    """What to look for on this dossier's images: the applicant's name(s), ID number and mobile."""
    basic: dict[str, Any] = {}
    section = dossier.sections.filter(key="basic_info").first()
    if section is not None:
        basic = section.data or {}
    former = names_listed(basic.get("former_names"))
    applicant = dossier.applicant
    return Identifiers.build(
        names=[basic.get("name"), applicant.full_name, *former],
        id_number=basic.get("id_number"),
        phone=basic.get("phone") or applicant.phone,
    )


def masking_of(attachment: Attachment) -> AttachmentMasking | None:
    try:
        return attachment.masking
    except AttachmentMasking.DoesNotExist:
        return None


@dataclass
class MaskingItem:
    attachment: Attachment
    masking: AttachmentMasking | None

    @property
    def confirmed(self) -> bool:
        return self.masking is not None and self.masking.status == MaskingStatus.CONFIRMED

    @property
    def status(self) -> str:
        return self.masking.status if self.masking else MaskingStatus.PENDING

    @property
    def status_label(self) -> str:
        return MaskingStatus(self.status).label


def masking_items(dossier: Dossier) -> list[MaskingItem]:
    """The applicant's attachment images to mask. The unit's signed publicity records are not among them:
    they are never masked and never reach blind review (issue 10 point 7)."""
    loaded = prefetched(dossier, "attachments")
    if loaded is not None:
        # The page read the dossier's attachments already (dossiers.selectors.dossier_contents_loaded): their
        # masking rows are read once for the page (a later call finds them read), none when there are none.
        attachments = sorted(loaded, key=lambda a: (a.section, a.uploaded_at, a.pk))
        prefetch_related_objects(attachments, "masking")
    else:
        attachments = list(
            Attachment.objects.filter(dossier=dossier)
            .select_related("masking")
            .order_by("section", "uploaded_at", "pk")
        )
    for attachment in attachments:
        attachment.dossier = dossier  # the cards read its round and state: not one query per card
    return [MaskingItem(a, masking_of(a)) for a in attachments if not is_unit_record(a.section, a.doc_type)]


def unconfirmed_attachments(dossier: Dossier) -> list[Attachment]:
    """Attachments whose masking the applicant has not confirmed (是/否 + boxes): submission waits for them."""
    return [item.attachment for item in masking_items(dossier) if not item.confirmed]


def masking_missing(dossier: Dossier) -> list[str]:
    """Section 15 of the dossier: every attachment image checked for the applicant's name."""
    pending = unconfirmed_attachments(dossier)
    if not pending:
        return []
    return [f"还有 {len(pending)} 张附件未确认姓名遮盖（是否需要遮盖：是/否）"]


@dataclass
class MaskingSummary:
    total: int
    confirmed: int
    in_progress: int
    flagged: int
    to_check: int

    @property
    def complete(self) -> bool:
        return self.total == self.confirmed


def masking_summary(dossier: Dossier) -> MaskingSummary:
    items = masking_items(dossier)
    statuses = [item.status for item in items]
    return MaskingSummary(
        total=len(items),
        confirmed=statuses.count(MaskingStatus.CONFIRMED),
        in_progress=sum(s in (MaskingStatus.PENDING, MaskingStatus.RUNNING) for s in statuses),
        flagged=sum(s in (MaskingStatus.FLAGGED, MaskingStatus.FAILED) for s in statuses),
        to_check=sum(s in (MaskingStatus.PROPOSED, MaskingStatus.FLAGGED, MaskingStatus.FAILED) for s in statuses),
    )


# --- visibility ----------------------------------------------------------------------------------


def may_see_original(user: User, dossier: Dossier) -> bool:
    """The applicant, and reviewers/officers of the dossier's own chain (never experts as such)."""
    return dossier_visible_to(user, dossier)


# Who may receive masked copies only (blind review): the committee app registers its assigned-expert test.
MaskedReaderCheck = Callable[[User, Dossier], bool]
_MASKED_READERS: list[MaskedReaderCheck] = []


def register_masked_reader(check: MaskedReaderCheck) -> None:
    if check not in _MASKED_READERS:
        _MASKED_READERS.append(check)


def may_see_masked_only(user: User, dossier: Dossier) -> bool:
    return any(check(user, dossier) for check in _MASKED_READERS)


@dataclass
class ServedFile:
    file: FieldFile
    variant: str
    download_name: str


def attachment_file_for(user: User, attachment: Attachment, variant: str = FileVariant.ORIGINAL) -> ServedFile:
    """The file of `attachment` that `user` may receive, or a refusal.

    Experts asking for anything get the masked copy or nothing: the original is never theirs, a
    dossier not assigned to them does not exist for them, and identity documents (ID card, photo, signed
    commitment: `DocType.withheld_from_experts`) do not exist for them in any variant.
    """
    dossier = attachment.dossier
    if variant not in (FileVariant.ORIGINAL, FileVariant.MASKED):
        raise NotFound("未找到该文件。")
    if may_see_original(user, dossier):
        if variant == FileVariant.ORIGINAL:
            return ServedFile(attachment.file, variant, f"attachment-{attachment.pk}.jpg")
        return ServedFile(_masked_file(attachment), variant, f"attachment-{attachment.pk}-masked.jpg")
    if may_see_masked_only(user, dossier):
        if is_unit_record(attachment.section, attachment.doc_type) or withheld_from_experts(attachment):
            # The unit's records and identity documents are never review material (SPEC 2).
            raise NotFound("未找到该附件。")
        if variant != FileVariant.MASKED:
            raise PermissionDenied("评审专家只能查看遮盖后的材料。")
        masking = masking_of(attachment)
        if masking is None or not masking.servable_to_experts:
            # Not rechecked yet, or the name is still readable on it (the office sees that): not served.
            raise NotFound("该附件的遮盖尚未通过复查，暂不能查看。")
        # Neither the original name nor anything else identifying: a neutral download name.
        return ServedFile(masking.masked_file, variant, f"material-{attachment.pk}.jpg")
    raise NotFound("未找到该附件。")


def _masked_file(attachment: Attachment) -> FieldFile:
    masking = masking_of(attachment)
    if masking is None or masking.status != MaskingStatus.CONFIRMED or not masking.masked_file:
        raise NotFound("该附件的遮盖尚未确认，暂无遮盖后的图片。")
    return masking.masked_file


def masked_attachments(dossier: Dossier) -> list[Attachment]:
    """The attachments with a confirmed masked copy that passed its recheck and are review material (identity
    documents never are): all blind review may show."""
    return [
        item.attachment
        for item in masking_items(dossier)
        if item.masking is not None and item.masking.servable_to_experts and not withheld_from_experts(item.attachment)
    ]
