"""Writes on masking: (re)starting detection, storing its proposal, the applicant's edits and confirmation."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from core.errors import DomainError, ErrorCode, NotFound, ValidationFailed
from dossiers.models import Attachment, Dossier
from masking.detection import clamp_boxes, detect, load_image, render_masked, save_jpeg
from masking.models import AttachmentMasking, MaskingStatus
from masking.selectors import identifiers_for

logger = logging.getLogger(__name__)

MAX_BOXES = 200


def _audit(actor: User | None, action: str, attachment: Attachment, **extra: Any) -> None:
    audit(actor, action, f"dossier:{attachment.dossier_id}", attachment=attachment.pk, **extra)


def _delete_file_on_commit(masking: AttachmentMasking) -> None:
    # A FieldFile is truthy exactly when it has a name, so test the name itself.
    name = masking.masked_file.name
    if name:
        storage = masking.masked_file.storage
        transaction.on_commit(lambda: storage.delete(name))


# --- jobs ----------------------------------------------------------------------------------------


@transaction.atomic
def masking_schedule(*, attachment: Attachment) -> AttachmentMasking:
    """Start (or restart) detection for an attachment's current file; results of older jobs are void."""
    masking, _ = AttachmentMasking.objects.select_for_update().get_or_create(attachment=attachment)
    _delete_file_on_commit(masking)
    masking.job_version += 1
    masking.status = MaskingStatus.PENDING
    masking.proposed_boxes = []
    masking.confirmed_boxes = []
    masking.edited = False
    masking.needs_masking = None
    masking.confidence = None
    masking.flag_reasons = []
    masking.found_kinds = []
    masking.error = ""
    masking.masked_file = ""
    masking.attempts = 0
    masking.started_at = masking.finished_at = masking.confirmed_at = None
    masking.confirmed_by = None
    masking.save()
    masking_id, version = masking.pk, masking.job_version

    def enqueue() -> None:
        # why: masking.tasks imports this module (the task calls masking_run_detection).
        from masking.tasks import detect_attachment

        detect_attachment(masking_id, version)

    transaction.on_commit(enqueue)
    return masking


def masking_drop(*, attachment_id: int) -> None:
    """The attachment is going away (deleted or replaced): drop its masking and the masked copy."""
    with transaction.atomic():
        for masking in AttachmentMasking.objects.select_for_update().filter(attachment_id=attachment_id):
            _delete_file_on_commit(masking)
            masking.delete()


def _claim(masking_id: int, version: int) -> AttachmentMasking | None:
    with transaction.atomic():
        masking = (
            AttachmentMasking.objects.select_for_update().select_related("attachment").filter(pk=masking_id).first()
        )
        if masking is None or masking.job_version != version or masking.status == MaskingStatus.CONFIRMED:
            return None  # re-uploaded, deleted or already decided by the applicant: nothing to do
        masking.status = MaskingStatus.RUNNING
        masking.started_at = timezone.now()
        masking.attempts += 1
        masking.save(update_fields=["status", "started_at", "attempts", "updated_at"])
        return masking


def masking_run_detection(*, masking_id: int, version: int) -> AttachmentMasking | None:
    """OCR the attachment (outside any transaction: it takes a second) and store the proposal if this
    job is still the current one."""
    masking = _claim(masking_id, version)
    if masking is None:
        return None
    attachment = masking.attachment
    identifiers = identifiers_for(attachment.dossier)
    with attachment.file.open("rb") as handle:
        image = load_image(io.BytesIO(handle.read()))
    detection = detect(image, identifiers, doc_type=attachment.doc_type)
    with transaction.atomic():
        current = AttachmentMasking.objects.select_for_update().filter(pk=masking_id).first()
        if current is None or current.job_version != version or current.status != MaskingStatus.RUNNING:
            return None
        current.proposed_boxes = [list(b) for b in detection.boxes]
        current.confidence = detection.confidence
        current.flag_reasons = detection.flag_reasons
        current.found_kinds = sorted({m.kind for m in detection.matches})
        current.status = MaskingStatus.FLAGGED if detection.flagged else MaskingStatus.PROPOSED
        # A suggestion for 是否需要遮盖; the applicant still answers it for every image.
        current.needs_masking = True if detection.boxes else (None if detection.flagged else False)
        current.finished_at = timezone.now()
        current.error = ""
        current.save()
        return current


def masking_record_failure(*, masking_id: int, version: int, error: str, final: bool) -> None:
    with transaction.atomic():
        masking = AttachmentMasking.objects.select_for_update().filter(pk=masking_id, job_version=version).first()
        if masking is None or masking.status == MaskingStatus.CONFIRMED:
            return
        masking.error = error[:2000]
        # Fail closed: a page we could not read goes to the applicant for manual masking.
        masking.status = MaskingStatus.FAILED if final else MaskingStatus.PENDING
        masking.finished_at = timezone.now() if final else None
        masking.save(update_fields=["error", "status", "finished_at", "updated_at"])


# --- the applicant's decisions -------------------------------------------------------------------


def _editable_masking(actor: User, attachment_id: int) -> AttachmentMasking:
    """The masking row of the actor's own attachment, row-locked; only while the dossier is editable."""
    attachment = Attachment.objects.select_related("dossier").filter(pk=attachment_id).first()
    if attachment is None or not actor.is_authenticated or attachment.dossier.applicant_id != actor.pk:
        raise NotFound("未找到该附件。")
    dossier = Dossier.objects.select_for_update().get(pk=attachment.dossier_id)
    if not dossier.is_editable_by_applicant:
        raise DomainError("申报材料已提交，当前不能修改遮盖。", code=ErrorCode.NOT_EDITABLE)
    masking, _ = AttachmentMasking.objects.select_for_update().get_or_create(attachment=attachment)
    masking.attachment = attachment
    return masking


def _clean_boxes(raw: Any, attachment: Attachment) -> list[list[int]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise ValidationFailed("遮盖区域格式不正确。", details={"field": "boxes"})
    if len(raw) > MAX_BOXES:
        raise ValidationFailed(f"遮盖区域最多 {MAX_BOXES} 个。", details={"field": "boxes"})
    try:
        numeric = [[float(v) for v in box] for box in raw]
        boxes = clamp_boxes(numeric, (attachment.width, attachment.height))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("每个遮盖区域须为 [x0, y0, x1, y1] 四个数。", details={"field": "boxes"}) from exc
    return [list(b) for b in boxes]


@transaction.atomic
def masking_save_draft(*, actor: User, attachment_id: int, boxes: Any, needs_masking: bool | None) -> AttachmentMasking:
    """Keep the applicant's current boxes and answer without confirming (a confirmed image goes back to
    'to confirm': what experts would see must be rendered from what was confirmed)."""
    masking = _editable_masking(actor, attachment_id)
    masking.confirmed_boxes = _clean_boxes(boxes, masking.attachment)
    masking.needs_masking = needs_masking
    if masking.status == MaskingStatus.CONFIRMED:
        _delete_file_on_commit(masking)
        masking.masked_file = ""
        masking.confirmed_at = None
        masking.confirmed_by = None
        masking.status = MaskingStatus.PROPOSED
    # The edit wins over a proposal still being computed.
    if masking.in_progress:
        masking.job_version += 1
        masking.status = MaskingStatus.PROPOSED
    masking.edited = True
    masking.save()
    _audit(actor, "masking_draft", masking.attachment, boxes=len(masking.confirmed_boxes))
    return masking


@transaction.atomic
def masking_confirm(*, actor: User, attachment_id: int, boxes: Any, needs_masking: bool | None) -> AttachmentMasking:
    """The applicant's answer to 是否需要遮盖 with the boxes to cover; renders the masked copy."""
    if needs_masking is None:
        raise ValidationFailed("请选择是否需要遮盖（是/否）。", details={"field": "needs_masking"})
    masking = _editable_masking(actor, attachment_id)
    attachment = masking.attachment
    cleaned = _clean_boxes(boxes, attachment) if needs_masking else []
    if needs_masking and not cleaned:
        raise ValidationFailed(
            "选择了需要遮盖，请在图片上框出需遮盖的区域；如无需遮盖请选择【否】。", details={"field": "boxes"}
        )
    with attachment.file.open("rb") as handle:
        image = load_image(io.BytesIO(handle.read()))
    buffer = io.BytesIO()
    save_jpeg(render_masked(image, cleaned), buffer)
    _delete_file_on_commit(masking)
    masking.masked_file.save("masked.jpg", ContentFile(buffer.getvalue()), save=False)
    if masking.in_progress:
        masking.job_version += 1  # a job still running must not overwrite the decision
    masking.confirmed_boxes = cleaned
    masking.needs_masking = needs_masking
    masking.status = MaskingStatus.CONFIRMED
    masking.confirmed_at = timezone.now()
    masking.confirmed_by = actor
    masking.save()
    _audit(actor, "masking_confirm", attachment, needs_masking=needs_masking, boxes=len(cleaned))
    return masking


def masking_retry(*, actor: User, attachment_id: int) -> AttachmentMasking:
    """Run detection again (e.g. after a failure), discarding unconfirmed edits."""
    with transaction.atomic():
        masking = _editable_masking(actor, attachment_id)
        attachment = masking.attachment
        _audit(actor, "masking_retry", attachment)
    return masking_schedule(attachment=attachment)
