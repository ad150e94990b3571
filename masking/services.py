"""Writes on masking: (re)starting detection, storing its proposal, the applicant's edits and confirmation."""

from __future__ import annotations

import hashlib
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
from masking.coverage import Finding, findings_from, leaks_outside, uncovered
from masking.decisions import is_office_for
from masking.detection import Detection, clamp_boxes, detect, load_image, render_masked, save_jpeg
from masking.models import AttachmentMasking, MaskingStatus, RecheckStatus
from masking.selectors import identifiers_for

logger = logging.getLogger(__name__)

MAX_BOXES = 200
MAX_REASON = 200


def _audit(actor: User | None, action: str, attachment: Attachment, **extra: Any) -> None:
    audit(actor, action, f"dossier:{attachment.dossier_id}", attachment=attachment.pk, **extra)


def _delete_file_on_commit(masking: AttachmentMasking) -> None:
    # A FieldFile is truthy exactly when it has a name, so test the name itself.
    name = masking.masked_file.name
    if name:
        storage = masking.masked_file.storage
        transaction.on_commit(lambda: storage.delete(name))


# --- jobs ----------------------------------------------------------------------------------------


def masking_schedule(*, attachment: Attachment, new: bool = False) -> AttachmentMasking:
    """Start (or restart) detection for an attachment's current file; results of older jobs are void.

    `new`: the attachment was created in the caller's transaction, so it has no masking row yet: the row is
    written once, as it starts (one INSERT: no savepoint; by id, so nothing is cached on the caller's
    attachment instance)."""
    if new:
        masking = AttachmentMasking.objects.create(attachment_id=attachment.pk, job_version=1)
        _enqueue_detection(masking)
        return masking
    return _masking_restart(attachment)


@transaction.atomic
def _masking_restart(attachment: Attachment) -> AttachmentMasking:
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
    masking.findings = []
    masking.not_mine = {}
    masking.error = ""
    masking.masked_file = ""
    masking.recheck = RecheckStatus.NONE
    masking.leak_boxes = []
    masking.leak_kinds = []
    masking.attempts = 0
    masking.started_at = masking.finished_at = masking.confirmed_at = None
    masking.confirmed_by = None
    masking.save()
    _enqueue_detection(masking)
    return masking


def _enqueue_detection(masking: AttachmentMasking) -> None:
    """The detection job of this version of the row, queued once the transaction commits."""
    masking_id, version = masking.pk, masking.job_version

    def enqueue() -> None:
        # why: masking.tasks imports this module (the task calls masking_run_detection).
        from masking.tasks import detect_attachment

        detect_attachment(masking_id, version)

    transaction.on_commit(enqueue)


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
        if detection.rotation:
            _store_upright(attachment, detection)
            current.rotation = detection.rotation
        current.findings = [f.as_dict() for f in findings_from(detection.matches)]
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


def _store_upright(attachment: Attachment, detection: Detection) -> None:
    """The page was scanned sideways or upside down: keep the upright copy as the attachment (reviewers
    read it, boxes are in its coordinates); the old file goes once the transaction commits."""
    assert detection.upright is not None
    buffer = io.BytesIO()
    save_jpeg(detection.upright, buffer)
    data = buffer.getvalue()
    old_name, storage = attachment.file.name, attachment.file.storage
    attachment.file.save("upright.jpg", ContentFile(data), save=False)
    attachment.width, attachment.height = detection.upright.size
    attachment.size_bytes = len(data)
    attachment.sha256 = hashlib.sha256(data).hexdigest()
    attachment.save(update_fields=["file", "width", "height", "size_bytes", "sha256"])
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    _audit(None, "masking_upright", attachment, rotation=detection.rotation)


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


def _clean_not_mine(raw: Any, masking: AttachmentMasking) -> dict[str, str]:
    """The applicant's "不是本人姓名" marks: known finding ids, each with a reason."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed("“不是本人姓名”的标记格式不正确。", details={"field": "not_mine"})
    known = {f["id"] for f in masking.findings}
    cleaned: dict[str, str] = {}
    for finding_id, reason in raw.items():
        if finding_id not in known:
            raise ValidationFailed("标记的识别结果不存在，请刷新页面后重试。", details={"field": "not_mine"})
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise ValidationFailed(
                "标记“不是本人姓名”时须说明理由。", details={"field": "not_mine", "finding": finding_id}
            )
        cleaned[finding_id] = text[:MAX_REASON]
    return cleaned


def _require_coverage(masking: AttachmentMasking, boxes: list[list[int]], not_mine: dict[str, str]) -> None:
    """Every identifier detection found stays covered unless marked "not my name" — whatever the
    applicant answers to 是否需要遮盖. Refused before anything is written: what was saved stays."""
    findings = [Finding.from_dict(f) for f in masking.findings]
    missing = uncovered(findings, boxes, not_mine)
    if not missing:
        return
    raise DomainError(
        f"系统在这张图片上识别到本人姓名、身份证号或手机号共 {len(findings)} 处，其中 {len(missing)} 处未被遮盖。"
        "遮盖框可以移动或调整大小，但必须盖住每一处；确实不是本人信息的，请勾选“不是本人姓名”并说明理由。",
        code=ErrorCode.MASKING_UNCOVERED,
        details={
            "field": "boxes",
            "uncovered": [{"finding": f.id, "kind": f.kind, "box": list(f.core)} for f in missing],
        },
    )


@transaction.atomic
def masking_save_draft(
    *, actor: User, attachment_id: int, boxes: Any, needs_masking: bool | None, not_mine: Any = None
) -> AttachmentMasking:
    """Keep the applicant's current boxes and answer without confirming (a confirmed image goes back to
    'to confirm': what experts would see must be rendered from what was confirmed)."""
    masking = _editable_masking(actor, attachment_id)
    cleaned = _clean_boxes(boxes, masking.attachment)
    marks = _clean_not_mine(not_mine, masking)
    _require_coverage(masking, cleaned, marks)
    masking.confirmed_boxes = cleaned
    masking.not_mine = marks
    masking.needs_masking = needs_masking
    if masking.status == MaskingStatus.CONFIRMED:
        _delete_file_on_commit(masking)
        masking.masked_file = ""
        masking.recheck = RecheckStatus.NONE
        masking.confirmed_at = None
        masking.confirmed_by = None
        masking.status = MaskingStatus.PROPOSED
    # The edit wins over a proposal still being computed.
    if masking.in_progress:
        masking.job_version += 1
        masking.status = MaskingStatus.PROPOSED
    masking.edited = True
    masking.save()
    _audit(actor, "masking_draft", masking.attachment, boxes=len(masking.confirmed_boxes), not_mine=len(marks))
    return masking


def _render_copy(masking: AttachmentMasking, boxes: list[list[int]]) -> None:
    """Make the masked copy (once per decision, never per request) and queue the detector on it."""
    attachment = masking.attachment
    with attachment.file.open("rb") as handle:
        image = load_image(io.BytesIO(handle.read()))
    buffer = io.BytesIO()
    save_jpeg(render_masked(image, boxes), buffer)
    _delete_file_on_commit(masking)
    masking.masked_file.save("masked.jpg", ContentFile(buffer.getvalue()), save=False)
    masking.copy_version += 1
    masking.recheck = RecheckStatus.PENDING
    masking.leak_boxes = []
    masking.leak_kinds = []
    masking.rechecked_at = None
    masking_id, copy_version = masking.pk, masking.copy_version

    def enqueue() -> None:
        from masking.tasks import recheck_masked_copy

        recheck_masked_copy(masking_id, copy_version)

    transaction.on_commit(enqueue)


@transaction.atomic
def masking_confirm(
    *, actor: User, attachment_id: int, boxes: Any, needs_masking: bool | None, not_mine: Any = None
) -> AttachmentMasking:
    """The applicant's answer to 是否需要遮盖 with the boxes to cover; renders the masked copy.

    "No masking needed" is refused where detection found an identifier that is not marked "not my
    name"; so is a box list that leaves such an occurrence uncovered."""
    if needs_masking is None:
        raise ValidationFailed("请选择是否需要遮盖（是/否）。", details={"field": "needs_masking"})
    masking = _editable_masking(actor, attachment_id)
    attachment = masking.attachment
    marks = _clean_not_mine(not_mine, masking)
    cleaned = _clean_boxes(boxes, attachment) if needs_masking else []
    _require_coverage(masking, cleaned, marks)
    if needs_masking and not cleaned:
        raise ValidationFailed(
            "选择了需要遮盖，请在图片上框出需遮盖的区域；如无需遮盖请选择【否】。", details={"field": "boxes"}
        )
    _render_copy(masking, cleaned)
    if masking.in_progress:
        masking.job_version += 1  # a job still running must not overwrite the decision
    masking.confirmed_boxes = cleaned
    masking.not_mine = marks
    masking.needs_masking = needs_masking
    masking.status = MaskingStatus.CONFIRMED
    masking.confirmed_at = timezone.now()
    masking.confirmed_by = actor
    masking.save()
    _audit(
        actor,
        "masking_confirm",
        attachment,
        needs_masking=needs_masking,
        boxes=len(cleaned),
        not_mine=marks,
    )
    return masking


def masking_retry(*, actor: User, attachment_id: int) -> AttachmentMasking:
    """Run detection again (e.g. after a failure), discarding unconfirmed edits."""
    with transaction.atomic():
        masking = _editable_masking(actor, attachment_id)
        attachment = masking.attachment
        _audit(actor, "masking_retry", attachment)
    return masking_schedule(attachment=attachment)


# --- the masked copy checked again ---------------------------------------------------------------


def masking_run_recheck(*, masking_id: int, copy_version: int) -> AttachmentMasking | None:
    """Run the detector on the masked copy (outside any transaction): a copy on which the applicant's
    name, ID number or phone can still be read is never served to an expert; the office sees it."""
    masking = AttachmentMasking.objects.select_related("attachment__dossier").filter(pk=masking_id).first()
    if masking is None or masking.copy_version != copy_version or not masking.masked_file:
        return None
    identifiers = identifiers_for(masking.attachment.dossier)
    with masking.masked_file.open("rb") as handle:
        image = load_image(io.BytesIO(handle.read()))
    # The copy is already upright: no orientation search, but every other reading (seal, fine print).
    detection = detect(image, identifiers, orient=False)
    findings = [Finding.from_dict(f) for f in masking.findings]
    leaks = leaks_outside(detection.matches, findings, masking.not_mine)
    with transaction.atomic():
        current = AttachmentMasking.objects.select_for_update().filter(pk=masking_id).first()
        if current is None or current.copy_version != copy_version:
            return None
        current.leak_boxes = [list(m.box) for m in leaks]
        current.leak_kinds = sorted({m.kind for m in leaks})
        current.recheck = RecheckStatus.LEAK if leaks else RecheckStatus.CLEAN
        current.rechecked_at = timezone.now()
        current.save(update_fields=["leak_boxes", "leak_kinds", "recheck", "rechecked_at", "updated_at"])
        if leaks:
            current.attachment = masking.attachment
            _audit(None, "masking_leak", masking.attachment, kinds=current.leak_kinds, boxes=current.leak_boxes)
        return current


def masking_record_recheck_failure(*, masking_id: int, copy_version: int, error: str) -> None:
    with transaction.atomic():
        masking = AttachmentMasking.objects.select_for_update().filter(pk=masking_id, copy_version=copy_version).first()
        if masking is None:
            return
        # Fail closed: an unchecked copy is not served; the office sees the failure.
        masking.recheck = RecheckStatus.FAILED
        masking.error = error[:2000]
        masking.save(update_fields=["recheck", "error", "updated_at"])


# --- the prefecture office -----------------------------------------------------------------------


def _office_masking(actor: User, attachment_id: int) -> AttachmentMasking:
    """The masking row of an attachment of a dossier in the actor's prefecture, row-locked; only
    before experts are assigned (what they were shown must not change under them)."""
    attachment = Attachment.objects.select_related("dossier").filter(pk=attachment_id).first()
    if attachment is None or not is_office_for(actor, attachment.dossier):
        raise NotFound("未找到该附件。")
    dossier = Dossier.objects.select_for_update().get(pk=attachment.dossier_id)
    if dossier.expert_assignments.exists():
        raise DomainError("该申报材料已分配评审专家，不能再更改遮盖。", code=ErrorCode.NOT_EDITABLE)
    masking = AttachmentMasking.objects.select_for_update().filter(attachment=attachment).first()
    if masking is None or masking.status != MaskingStatus.CONFIRMED:
        raise DomainError("申报人尚未确认该图片的遮盖。", code=ErrorCode.MASKING_UNCONFIRMED)
    masking.attachment = attachment
    return masking


@transaction.atomic
def masking_office_recover(
    *, actor: User, attachment_id: int, finding_ids: Sequence[str] | None, reason: str
) -> AttachmentMasking:
    """The office overrules the applicant: the chosen "not my name" findings (None = all of them) and
    whatever the recheck still read are covered again; a new masked copy is made and rechecked."""
    masking = _office_masking(actor, attachment_id)
    why = (reason or "").strip()[:MAX_REASON]
    if not why:
        raise ValidationFailed("请填写更正遮盖的理由。", details={"field": "reason"})
    chosen = list(masking.not_mine) if finding_ids is None else [str(f) for f in finding_ids]
    unknown = [f for f in chosen if f not in masking.not_mine]
    if unknown:
        raise ValidationFailed("所选识别结果未被标记为非本人信息。", details={"field": "findings", "unknown": unknown})
    if not chosen and not masking.leak_boxes:
        raise ValidationFailed("没有需要更正的遮盖。", details={"field": "findings"})
    by_id = {f["id"]: f for f in masking.findings}
    before = {"boxes": list(masking.confirmed_boxes), "not_mine": dict(masking.not_mine)}
    boxes = [*masking.confirmed_boxes, *(by_id[f]["box"] for f in chosen), *masking.leak_boxes]
    boxes = _clean_boxes(boxes, masking.attachment)
    not_mine = {k: v for k, v in masking.not_mine.items() if k not in chosen}
    leaks = len(masking.leak_boxes)
    _render_copy(masking, boxes)
    masking.confirmed_boxes = boxes
    masking.not_mine = not_mine
    masking.needs_masking = True
    masking.overrulings = [
        *masking.overrulings,
        {"by": actor.pk, "at": timezone.now().isoformat(), "findings": chosen, "leaks": leaks, "reason": why},
    ]
    masking.save()
    _audit(
        actor,
        "masking_office_recover",
        masking.attachment,
        findings=chosen,
        leaks=leaks,
        reason=why,
        **{"from": before, "to": {"boxes": boxes, "not_mine": not_mine}},
    )
    return masking
