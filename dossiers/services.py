"""Writes on dossiers: create, save a section, upload/delete an attachment (submitting is a workflow
action: workflow.actions.SubmitAction, which stores `dossier_snapshot` as the Submission).

Every write checks that the actor is the dossier's applicant and that the dossier is still theirs to
edit (draft or returned); a refusal never touches what was saved before.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, prefetch_related_objects
from django.utils import timezone

from accounts.models import Role, User
from accounts.selectors import applicant_unit, user_has_role
from accounts.services import audit
from core.errors import (
    ConcurrentUpdate,
    NotEditable,
    NotFound,
    OutsideWindow,
    PermissionDenied,
    ValidationFailed,
)
from dossiers import signals
from dossiers.access import ReviewLevel, require_role
from dossiers.images import CleanImage, clean_jpeg, read_limited
from dossiers.models import Attachment, Dossier, DossierSection, attachment_upload_to
from dossiers.sections import (
    SECTIONS,
    UNIT_RECORD_TYPES,
    DocType,
    SectionInvalid,
    context_for,
    is_unit_record,
    validate_section,
)
from dossiers.states import EDITABLE_STATES
from rounds.models import Round

logger = logging.getLogger(__name__)


# The dossier's row only: PostgreSQL's FOR UPDATE locks every joined row unless told which (OF), and the round's
# row is shared by every dossier of the round: each save or upload in the round would wait for the one before.
_DOSSIER_ROW = ("self",)


def _locked_own_dossier(dossier_id: int, actor: User) -> Dossier:
    """The applicant's own dossier, row-locked; someone else's is 'not found' (we do not confirm it exists)."""
    dossier = (
        Dossier.objects.select_for_update(of=_DOSSIER_ROW).select_related("round", "unit").filter(pk=dossier_id).first()
    )
    if dossier is None or not actor.is_authenticated or dossier.applicant_id != actor.pk:
        raise NotFound("未找到该申报材料。")
    return dossier


def require_editable(dossier: Dossier) -> None:
    if dossier.status not in EDITABLE_STATES:
        raise NotEditable(
            f"申报材料当前状态为“{dossier.status_label}”，已提交的材料不能修改；如被退回，可在退回后修改。",
            details={"status": dossier.status},
        )


# ---- create -----------------------------------------------------------------------------------------


@transaction.atomic
def dossier_create(*, actor: User, round_: Round, level: str, kind: str) -> Dossier:
    """A new draft for an applicant in a round open for filing; the unit is the applicant's employer."""
    if not user_has_role(actor, Role.APPLICANT):
        raise PermissionDenied("只有申报人可以创建申报材料。")
    unit = applicant_unit(actor)
    if unit is None:
        raise ValidationFailed("您的账号尚未关联工作单位，请联系管理员。")
    policy = round_.policy
    window = policy.window("online_filing")
    if not window.contains(timezone.localdate()):
        raise OutsideWindow(f"当前不在{window.describe()}内，不能新建申报。")
    if (level, kind) not in policy.applications():
        raise ValidationFailed("本批次不受理该级别与申报类型的组合。", details={"field": "kind"})
    existing = Dossier.objects.filter(round=round_, applicant=actor).first()
    if existing is not None:
        raise ValidationFailed(
            f"您在本批次已有申报材料 {existing.serial_number}（{existing.level_label}·{existing.kind_label}）。"
            "每人每个评审批次只能申报一个级别，请继续填写已有的申报材料。",
            details={"field": "application", "dossier": existing.pk},
        )
    dossier = Dossier.objects.create(
        round=round_,
        applicant=actor,
        unit=unit,
        level=level,
        kind=kind,
        status=policy.workflow["initial"],
        serial_number=f"tmp-{uuid.uuid4().hex[:24]}",  # fits the column; replaced below
    )
    # The number follows the row id, so it is unique without a counter table: BZ2023-000123.
    prefecture = unit.prefecture
    prefix = prefecture.code if prefecture else "XX"
    dossier.serial_number = f"{prefix}{round_.year}-{dossier.pk:06d}"
    dossier.save(update_fields=["serial_number"])
    audit(actor, "dossier_create", dossier, level=level, kind=kind)
    return dossier


# ---- sections ---------------------------------------------------------------------------------------


def section_errors_to_details(key: str, exc: SectionInvalid) -> dict[str, Any]:
    return {"section": key, "errors": [i.as_dict() for i in exc.issues]}


@transaction.atomic
def section_save(
    *, dossier_id: int, actor: User, key: str, data: dict[str, Any], expected_version: int | None = None
) -> DossierSection:
    """Validate and store one section's draft. Invalid data raises ValidationFailed and changes nothing."""
    dossier = _locked_own_dossier(dossier_id, actor)
    require_editable(dossier)
    spec = SECTIONS.get(key)
    if spec is None or spec.form_class is None:
        raise NotFound("没有这个栏目。")
    if expected_version is not None and dossier.version != expected_version:
        raise ConcurrentUpdate("申报材料已在别处修改，请刷新页面后重试。")
    prefetch_related_objects([dossier], "sections")
    try:
        cleaned = validate_section(key, data, context_for(dossier))
    except SectionInvalid as exc:
        raise ValidationFailed(
            f"“{dossier.round.policy.section(key)['title']}”有 {len(exc.issues)} 处需要修改："
            + "；".join(i.message for i in exc.issues),
            details=section_errors_to_details(key, exc),
        ) from exc
    # The dossier row is locked (SQLite: the write lock taken at BEGIN), so its sections read above are
    # current: no second read, no savepoint around the write.
    section = next((s for s in dossier.sections.all() if s.key == key), None)
    if section is None:
        section = DossierSection.objects.create(dossier=dossier, key=key, data=cleaned)
    else:
        section.data = cleaned
        section.save(update_fields=["data", "updated_at"])
    section.dossier = dossier  # the caller reads the new version from it
    dossier.version += 1
    dossier.save(update_fields=["version", "updated_at"])
    audit(actor, "section_save", dossier, section=key)
    return section


# ---- attachments ------------------------------------------------------------------------------------


def _send_removed(attachment_id: int, dossier: Dossier) -> None:
    signals.attachment_removed.send(sender=Attachment, attachment_id=attachment_id, dossier=dossier)


def _delete_file_on_commit(attachment: Attachment) -> None:
    # The file goes only once the row's deletion is durable; a rollback keeps both.
    storage, name = attachment.file.storage, attachment.file.name
    if name:  # a row without a stored file has nothing to delete
        transaction.on_commit(lambda: storage.delete(name))


def attachment_upload(
    *, dossier_id: int, actor: User, section: str, doc_type: str, upload: IO[bytes], original_name: str
) -> Attachment:
    """Check, clean and store one JPG. A single-file slot (e.g. ID card front) replaces its old file.

    The image is decoded and its file written before the transaction opens, so no lock is held while
    Pillow works (on SQLite every write transaction takes the one write lock). The file is removed again
    if the row is not written; if the process dies in between, `manage.py storage_cleanup` finds it.
    """
    dossier = Dossier.objects.select_related("round").filter(pk=dossier_id).first()
    if dossier is None or not actor.is_authenticated or dossier.applicant_id != actor.pk:
        raise NotFound("未找到该申报材料。")
    require_editable(dossier)
    doc = _doc_type_for(section, doc_type)
    limits = dossier.round.policy.attachment_limits(doc.key)
    # Checked before anything is written: a refused file leaves every saved attachment as it was.
    image = clean_jpeg(read_limited(upload, int(limits["max_bytes"])), limits=limits)
    return _stored_then_recorded(
        dossier,
        image,
        lambda name: _attachment_record(
            dossier_id=dossier_id,
            actor=actor,
            section=section,
            doc=doc,
            image=image,
            name=name,
            original_name=original_name,
        ),
    )


def _stored_then_recorded(dossier: Dossier, image: CleanImage, record: Callable[[str], Attachment]) -> Attachment:
    """Write the cleaned image's file, then its row through `record(name)`; the file is removed again if the
    row is not written (a process that dies in between leaves it to `manage.py storage_cleanup`)."""
    storage = Attachment._meta.get_field("file").storage
    name = storage.save(attachment_upload_to(dossier, "upload.jpg"), ContentFile(image.content))
    try:
        return record(name)
    except BaseException:
        storage.delete(name)
        raise


def _new_attachment(
    *, dossier: Dossier, section: str, doc_type: str, image: CleanImage, name: str, original_name: str, actor: User
) -> Attachment:
    """The row of an image whose file is already stored under `name`."""
    attachment = Attachment(
        dossier=dossier,
        section=section,
        doc_type=doc_type,
        original_name=(original_name or "upload.jpg")[:255],
        width=image.width,
        height=image.height,
        size_bytes=len(image.content),
        sha256=image.sha256,
        uploaded_by=actor,
    )
    attachment.file.name = name
    attachment.save()
    return attachment


def _doc_type_for(section: str, doc_type: str) -> DocType:
    spec = SECTIONS.get(section)
    if spec is None or not spec.doc_types:
        raise ValidationFailed("该栏目不接受附件。", details={"field": "section"})
    doc = spec.doc_type(doc_type)
    if doc is None:
        raise ValidationFailed("请选择材料类型。", details={"field": "doc_type"})
    if doc.unit_record:
        raise ValidationFailed(f"“{doc.label}”由推荐单位上传，申报人无需上传。", details={"field": "doc_type"})
    return doc


def _check_attachment_caps(dossier: Dossier, section: str, replacing: int) -> None:
    limits = dossier.round.policy.attachments
    held = Attachment.objects.filter(dossier=dossier).aggregate(
        in_dossier=Count("pk"), in_section=Count("pk", filter=Q(section=section))
    )
    in_section = held["in_section"] - replacing
    if in_section >= int(limits["max_per_section"]):
        raise ValidationFailed(
            f"本栏附件已达上限（{limits['max_per_section']} 个），请删除不需要的附件后再上传。",
            details={"field": "file", "reason": "section_full", "limit": limits["max_per_section"]},
        )
    in_dossier = held["in_dossier"] - replacing
    if in_dossier >= int(limits["max_per_dossier"]):
        raise ValidationFailed(
            f"本份申报的附件已达上限（{limits['max_per_dossier']} 个），请删除不需要的附件后再上传。",
            details={"field": "file", "reason": "dossier_full", "limit": limits["max_per_dossier"]},
        )


@transaction.atomic
def _attachment_record(
    *,
    dossier_id: int,
    actor: User,
    section: str,
    doc: DocType,
    image: CleanImage,
    name: str,
    original_name: str,
) -> Attachment:
    # The row lock serialises uploads into one dossier: of two uploads into one slot, the second waits.
    dossier = _locked_own_dossier(dossier_id, actor)
    require_editable(dossier)
    replaced = list(Attachment.objects.filter(dossier=dossier, section=section, doc_type=doc.key)) if doc.single else []
    if any(old.sha256 == image.sha256 for old in replaced):
        # A double-click (or a retried request) sent the same file twice: the first one stays.
        raise ConcurrentUpdate(
            f"“{doc.label}”已上传了同一份文件（可能是重复点击），已保留先上传的文件，无需再次上传。",
            details={"field": "file", "reason": "duplicate_upload", "doc_type": doc.key},
        )
    _check_attachment_caps(dossier, section, len(replaced))
    for old in replaced:
        # Masking drops its results for the old file before the row goes.
        _send_removed(old.pk, dossier)
        _delete_file_on_commit(old)
        old.delete()
    attachment = _new_attachment(
        dossier=dossier,
        section=section,
        doc_type=doc.key,
        image=image,
        name=name,
        original_name=original_name,
        actor=actor,
    )
    dossier.version += 1
    dossier.save(update_fields=["version", "updated_at"])
    audit(
        actor,
        "attachment_upload",
        dossier,
        section=section,
        doc_type=doc.key,
        attachment=attachment.pk,
        replaced=[a.pk for a in replaced],
    )
    # Inside the transaction: what listeners record (masking's pending OCR job) commits with the row or
    # not at all, so a crash right after the commit cannot leave a file nobody will ever look at. They
    # start their background work on commit.
    signals.attachment_uploaded.send(sender=Attachment, attachment=attachment)
    # A listener's row cached on the instance (a reverse one-to-one set by its write) is changed later by its
    # background work: the caller gets the instance without such copies (refresh_from_db's clearing, no read).
    for relation in Attachment._meta.related_objects:
        if relation.is_cached(attachment):
            relation.delete_cached_value(attachment)
    return attachment


@transaction.atomic
def attachment_delete(*, attachment_id: int, actor: User) -> None:
    attachment = Attachment.objects.select_related("dossier").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("未找到该附件。")
    dossier = _locked_own_dossier(attachment.dossier_id, actor)
    require_editable(dossier)
    if is_unit_record(attachment.section, attachment.doc_type):
        raise PermissionDenied("推荐单位上传的公示材料，申报人不能删除。")
    _send_removed(attachment.pk, dossier)
    _delete_file_on_commit(attachment)
    attachment.delete()
    dossier.version += 1
    dossier.save(update_fields=["version", "updated_at"])
    audit(actor, "attachment_delete", dossier, attachment=attachment_id)


def unit_record_upload(
    *, dossier_id: int, actor: User, doc_type: str, upload: IO[bytes], original_name: str
) -> Attachment:
    """The recommending unit files a signed and stamped publicity record (annex 1 / annex 2, JPG) with
    section 13 (notice 五(二), 五(一)13) while the dossier is with the unit. It belongs to the unit: it is
    not masked (no signal to masking), not counted in the applicant's completeness, never served to experts.

    Like the applicant's uploads, the image is decoded and its file written before the transaction opens."""
    dossier = Dossier.objects.select_related("round", "unit").filter(pk=dossier_id).first()
    if dossier is None:
        raise NotFound("未找到该申报材料。")
    section = _unit_record_section(dossier, actor, doc_type)
    limits = dossier.round.policy.attachments
    image = clean_jpeg(read_limited(upload, int(limits["max_bytes"])), limits=limits)
    return _stored_then_recorded(
        dossier,
        image,
        lambda name: _unit_record_record(
            dossier_id=dossier_id,
            actor=actor,
            section=section,
            doc_type=doc_type,
            image=image,
            name=name,
            original_name=original_name,
        ),
    )


def _unit_record_section(dossier: Dossier, actor: User, doc_type: str) -> str:
    """The section a unit record is filed with, once the actor may file it on this dossier now."""
    require_role(actor, Role.UNIT_REVIEWER, dossier.unit)
    if dossier.round.policy.workflow.get("levels", {}).get(dossier.status) != ReviewLevel.UNIT:
        raise NotEditable(
            f"申报当前状态为“{dossier.status_label}”，不在推荐单位办理阶段，不能上传公示材料。",
            details={"status": dossier.status},
        )
    section = next((key for key, d in UNIT_RECORD_TYPES if d == doc_type), None)
    if section is None:
        raise ValidationFailed("请选择公示材料类型（推荐单位公示或公示结果）。", details={"field": "doc_type"})
    return section


@transaction.atomic
def _unit_record_record(
    *, dossier_id: int, actor: User, section: str, doc_type: str, image: CleanImage, name: str, original_name: str
) -> Attachment:
    dossier = Dossier.objects.select_for_update(of=_DOSSIER_ROW).select_related("round", "unit").get(pk=dossier_id)
    # Checked again under the lock: the dossier may have moved on while the image was decoded.
    _unit_record_section(dossier, actor, doc_type)
    for old in Attachment.objects.filter(dossier=dossier, section=section, doc_type=doc_type):
        _delete_file_on_commit(old)
        old.delete()
    attachment = _new_attachment(
        dossier=dossier,
        section=section,
        doc_type=doc_type,
        image=image,
        name=name,
        original_name=original_name,
        actor=actor,
    )
    audit(actor, "unit_record_upload", dossier, doc_type=doc_type, attachment=attachment.pk)
    return attachment


# ---- what a submission stores --------------------------------------------------------------------


def dossier_snapshot(dossier: Dossier) -> dict[str, Any]:
    """Everything submitted: all section data and the attachment list (files stay where they are)."""
    return {
        "serial_number": dossier.serial_number,
        "level": dossier.level,
        "kind": dossier.kind,
        "unit": {"id": dossier.unit_id, "code": dossier.unit.code, "name": dossier.unit.name},
        "sections": {s.key: s.data for s in dossier.sections.all()},
        "attachments": [
            {
                "id": a.pk,
                "section": a.section,
                "doc_type": a.doc_type,
                "file": a.file.name,
                "sha256": a.sha256,
                "width": a.width,
                "height": a.height,
                "original_name": a.original_name,
            }
            for a in dossier.attachments.all()
        ],
    }
