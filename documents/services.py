"""Writes for documents: generate a file from a dossier's data, store it through Django storages, audit it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from typing import IO, Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization, Role, User
from accounts.services import audit
from core.errors import DomainError, ErrorCode, IllegalTransition, NotFound, PermissionDenied, ValidationFailed
from documents.annexes import (
    Block,
    blocks_to_docx,
    blocks_to_pdf,
    commitment_blocks,
    publicity_notice_blocks,
    publicity_result_blocks,
    render_ce_exemption_pdf,
)
from documents.certificate import render_certificate
from documents.content import DossierContent
from documents.evaluation_form import render_evaluation_form
from documents.models import BatchJob, DocumentKind, FileFormat, GeneratedDocument, OwedDocument
from documents.roster import write_roster
from documents.selectors import committee_dossiers, has_reached_committee, is_officer_of_chain, officer_may_cover
from dossiers.access import dossier_visible_to, require_role
from dossiers.models import Dossier
from dossiers.states import COMMITTEE_RECEIVED
from rounds.models import Round

# 32 symbols without 0/O/1/I: a 16-symbol code carries 80 random bits and survives being read aloud.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16

logger = logging.getLogger(__name__)


class DocumentUnavailable(DomainError):
    code = ErrorCode.DOCUMENT_UNAVAILABLE


def new_verification_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not GeneratedDocument.objects.filter(verification_code=code).exists():
            return code


def verification_url(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('documents:verify', args=[code])}"


def _digest(data: bytes | IO[bytes]) -> tuple[str, int]:
    if isinstance(data, bytes):
        return hashlib.sha256(data).hexdigest(), len(data)
    data.seek(0)
    digest = hashlib.file_digest(data, "sha256")  # type: ignore[arg-type]
    size = data.tell()
    data.seek(0)
    return digest.hexdigest(), size


def _store(
    *,
    kind: DocumentKind,
    file_format: FileFormat,
    data: bytes | IO[bytes],
    round_: Round,
    actor: User | None,
    dossier: Dossier | None = None,
    organization: Organization | None = None,
    verification_code: str | None = None,
    meta: dict[str, Any] | None = None,
    content_hash: str = "",
) -> GeneratedDocument:
    # A large file (a batch ZIP) arrives as an open temporary file: hashed and stored in chunks, never whole.
    digest, size = _digest(data)
    content = ContentFile(data) if isinstance(data, bytes) else File(data)
    document = GeneratedDocument(
        dossier=dossier,
        round=round_,
        organization=organization,
        kind=kind,
        file_format=file_format,
        sha256=digest,
        size_bytes=size,
        verification_code=verification_code,
        meta=meta or {},
        content_hash=content_hash,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    document.file.save(f"{kind}.{file_format}", content, save=False)
    try:
        # The rows only: a slow render never holds the database's write lock.
        with transaction.atomic():
            document.full_clean(exclude=["file"])
            document.save()
            audit(
                document.created_by,
                "document_generated",
                dossier or round_,
                document_id=document.pk,
                kind=str(kind),
                format=str(file_format),
                sha256=document.sha256,
            )
    except Exception:
        document.file.delete(save=False)  # no orphan file behind a refused row
        raise
    return document


def _store_for_dossier(
    dossier: Dossier,
    *,
    kind: DocumentKind,
    data: bytes,
    actor: User | None,
    file_format: FileFormat = FileFormat.PDF,
    verification_code: str | None = None,
    meta: dict[str, Any] | None = None,
    content_hash: str = "",
) -> GeneratedDocument:
    return _store(
        kind=kind,
        file_format=file_format,
        data=data,
        round_=dossier.round,
        actor=actor,
        dossier=dossier,
        verification_code=verification_code,
        meta=meta,
        content_hash=content_hash,
    )


def _store_annex(
    dossier: Dossier,
    *,
    kind: DocumentKind,
    blocks: list[Block],
    title: str,
    actor: User | None,
    meta: dict[str, Any],
) -> GeneratedDocument:
    """An annex the unit may still edit: a DOCX copy is stored beside the PDF, and the PDF is returned."""
    docx = blocks_to_docx(blocks, title=title)
    _store_for_dossier(dossier, kind=kind, file_format=FileFormat.DOCX, data=docx, actor=actor, meta=meta)
    return _store_for_dossier(dossier, kind=kind, data=blocks_to_pdf(blocks, title=title), actor=actor, meta=meta)


def _require_visible(actor: User, dossier: Dossier) -> None:
    # The API already answered 404 for a dossier out of sight; a direct caller is refused outright.
    if not dossier_visible_to(actor, dossier):
        raise PermissionDenied("您无权获取该申报的文件。")


# --- files generated on demand: once per content version -------------------------------------------

# Raise when a renderer changes what it prints from the same data, so stored files are made anew.
RENDER_VERSION = 1


def dossier_content_hash(dossier: Dossier, kind: DocumentKind) -> str:
    """Digest of everything the on-demand files print: the dossier's identity, its round's policy, every
    section's data and the photo. Equal digests mean an equal printout, so the stored file is served."""
    photo = DossierContent(dossier).photo()
    material = {
        "render": RENDER_VERSION,
        "kind": str(kind),
        "dossier": [dossier.pk, dossier.serial_number, dossier.level, dossier.kind, dossier.unit_id],
        "round": [dossier.round_id, dossier.round.policy_sha256],
        "sections": {s.key: s.data for s in dossier.sections.order_by("key")},
        "photo": photo.sha256 if photo is not None else None,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _stored_version(dossier: Dossier, kind: DocumentKind, content_hash: str) -> GeneratedDocument | None:
    return GeneratedDocument.objects.filter(
        dossier=dossier, kind=kind, file_format=FileFormat.PDF, content_hash=content_hash
    ).first()


def _once_per_version(
    dossier: Dossier, kind: DocumentKind, store: Callable[[str], GeneratedDocument]
) -> GeneratedDocument:
    """The stored file of this content version, or `store(content_hash)` when there is none yet."""
    content_hash = dossier_content_hash(dossier, kind)
    existing = _stored_version(dossier, kind, content_hash)
    if existing is not None:
        return existing
    try:
        return store(content_hash)
    except (IntegrityError, DjangoValidationError):  # a simultaneous first download stored it a moment ago
        stored = _stored_version(dossier, kind, content_hash)
        if stored is None:
            raise
        return stored


# --- 专业技术职务任职资格评审表 ---------------------------------------------------------------------


def evaluation_form_check(*, dossier: Dossier, actor: User) -> None:
    """The applicant prints the form only once the committee has received the dossier (通知 五(三));
    officers of the dossier's chain may print it whenever they can see the dossier."""
    _require_visible(actor, dossier)
    if is_officer_of_chain(actor, dossier):
        return
    if not has_reached_committee(dossier):
        raise DocumentUnavailable(
            f"评审表须在状态为“{dossier.round.policy.state_label(COMMITTEE_RECEIVED)}”后方可打印，"
            f"当前状态：{dossier.status_label}。"
        )


def evaluation_form_generate(
    *, dossier: Dossier, actor: User, printed_at: dt.datetime | None = None
) -> GeneratedDocument:
    """The evaluation form of the dossier's current content: made (with its verification code) the first time
    this content is printed, then served as stored, so reprinting never outdates a form already printed."""
    evaluation_form_check(dossier=dossier, actor=actor)

    def store(content_hash: str) -> GeneratedDocument:
        printed = printed_at or timezone.now()
        code = new_verification_code()
        url = verification_url(code)
        pdf = render_evaluation_form(dossier, code=code, verify_url=url, printed_at=printed)
        return _store_for_dossier(
            dossier,
            kind=DocumentKind.EVALUATION_FORM,
            data=pdf,
            actor=actor,
            verification_code=code,
            content_hash=content_hash,
            meta={"printed_at": printed.isoformat(), "status_at_print": dossier.status, "verify_url": url},
        )

    return _once_per_version(dossier, DocumentKind.EVALUATION_FORM, store)


# --- annexes 1-4 --------------------------------------------------------------------------------------


def certificate_document_generate(
    *, dossier: Dossier, number: str, code: str, issued_on: dt.date, actor: User | None
) -> GeneratedDocument:
    """The certificate PDF under a code the committee reserved (new_verification_code), verifiable on the
    same page as the evaluation form. Called on commit of the issuing transaction, never inside it."""
    url = verification_url(code)
    pdf = render_certificate(dossier, number=number, code=code, verify_url=url, issued_on=issued_on)
    return _store(
        kind=DocumentKind.CERTIFICATE,
        file_format=FileFormat.PDF,
        data=pdf,
        round_=dossier.round,
        actor=actor,
        dossier=dossier,
        verification_code=code,
        meta={"certificate_number": number, "issued_on": issued_on.isoformat(), "verify_url": url},
    )


def _validate_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationFailed("公示结束日期早于开始日期。")


@transaction.atomic
def publicity_notice_generate(
    *, dossier: Dossier, start: dt.date, end: dt.date, contact: str, actor: User, political_conduct: str | None = None
) -> GeneratedDocument:
    """附件1 推荐单位公示 as PDF (returned) plus an editable DOCX copy stored beside it.

    `contact` completes “请以电话或书面形式反映至……”, e.g. “单位人事科，监督电话：0996-2024500”.
    """
    _check_publicity_notice(dossier=dossier, start=start, end=end, contact=contact, actor=actor)
    return _publicity_notice_store(
        dossier=dossier, start=start, end=end, contact=contact, actor=actor, political_conduct=political_conduct
    )


def _check_publicity_notice(*, dossier: Dossier, start: dt.date, end: dt.date, contact: str, actor: User) -> None:
    require_role(actor, Role.UNIT_REVIEWER, dossier.unit)
    _validate_period(start, end)
    if not contact.strip():
        raise ValidationFailed("请填写受理异议的办公室及监督电话。")


def _publicity_notice_store(
    *,
    dossier: Dossier,
    start: dt.date,
    end: dt.date,
    contact: str,
    actor: User | None,
    political_conduct: str | None = None,
) -> GeneratedDocument:
    blocks = publicity_notice_blocks(
        DossierContent(dossier), start=start, end=end, contact=contact.strip(), political_conduct=political_conduct
    )
    return _store_annex(
        dossier,
        kind=DocumentKind.PUBLICITY_NOTICE,
        blocks=blocks,
        title=f"推荐单位公示 {dossier.serial_number}",
        actor=actor,
        meta={"start": start.isoformat(), "end": end.isoformat(), "contact": contact},
    )


@transaction.atomic
def publicity_result_generate(
    *,
    dossier: Dossier,
    start: dt.date,
    end: dt.date,
    working_days: int,
    objections: str,
    actor: User,
    issued_on: dt.date | None = None,
) -> GeneratedDocument:
    """附件2 推荐单位公示结果 as PDF (returned) plus an editable DOCX copy."""
    _check_publicity_result(dossier=dossier, start=start, end=end, working_days=working_days, actor=actor)
    return _publicity_result_store(
        dossier=dossier,
        start=start,
        end=end,
        working_days=working_days,
        objections=objections,
        actor=actor,
        issued_on=issued_on or max(end, timezone.localdate()),
    )


def _check_publicity_result(*, dossier: Dossier, start: dt.date, end: dt.date, working_days: int, actor: User) -> None:
    require_role(actor, Role.UNIT_REVIEWER, dossier.unit)
    _validate_period(start, end)
    if working_days < 1:
        raise ValidationFailed("公示天数必须大于 0。")


def _publicity_result_store(
    *,
    dossier: Dossier,
    start: dt.date,
    end: dt.date,
    working_days: int,
    objections: str,
    actor: User | None,
    issued_on: dt.date,
) -> GeneratedDocument:
    blocks = publicity_result_blocks(
        DossierContent(dossier),
        start=start,
        end=end,
        working_days=working_days,
        objections=objections or "",
        issued_on=issued_on,
    )
    return _store_annex(
        dossier,
        kind=DocumentKind.PUBLICITY_RESULT,
        blocks=blocks,
        title=f"推荐单位公示结果 {dossier.serial_number}",
        actor=actor,
        meta={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "working_days": working_days,
            "objections": objections or "",
        },
    )


# --- files owed by a step, produced after its commit -------------------------------------------------


def publicity_notice_owe(*, dossier: Dossier, start: dt.date, end: dt.date, contact: str, actor: User) -> OwedDocument:
    """Record, inside the caller's transaction, that annex 1 is owed for this dossier (checked now)."""
    _check_publicity_notice(dossier=dossier, start=start, end=end, contact=contact, actor=actor)
    params = {"start": start.isoformat(), "end": end.isoformat(), "contact": contact}
    return _owe(dossier, DocumentKind.PUBLICITY_NOTICE, params, actor)


def publicity_result_owe(
    *, dossier: Dossier, start: dt.date, end: dt.date, working_days: int, objections: str, actor: User
) -> OwedDocument:
    """Record, inside the caller's transaction, that annex 2 is owed for this dossier (checked now)."""
    _check_publicity_result(dossier=dossier, start=start, end=end, working_days=working_days, actor=actor)
    params = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "working_days": working_days,
        "objections": objections,
        # The date printed on the result is the day it was recorded, not the day the file is drawn.
        "issued_on": max(end, timezone.localdate()).isoformat(),
    }
    return _owe(dossier, DocumentKind.PUBLICITY_RESULT, params, actor)


def _owe(dossier: Dossier, kind: DocumentKind, params: dict[str, Any], actor: User) -> OwedDocument:
    owed = OwedDocument.objects.create(dossier=dossier, kind=kind, params=params, actor=actor)
    # why: documents.tasks imports this module (the task calls owed_document_produce).
    from documents.tasks import produce_owed_document

    # The job must see the committed row; if the process dies first, the first read produces the file.
    transaction.on_commit(lambda: produce_owed_document(owed.pk))
    return owed


def _produce(owed: OwedDocument) -> GeneratedDocument:
    p = owed.params
    start, end = dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"])
    if owed.kind == DocumentKind.PUBLICITY_NOTICE:
        return _publicity_notice_store(
            dossier=owed.dossier, start=start, end=end, contact=p["contact"], actor=owed.actor
        )
    return _publicity_result_store(
        dossier=owed.dossier,
        start=start,
        end=end,
        working_days=int(p["working_days"]),
        objections=p["objections"],
        actor=owed.actor,
        issued_on=dt.date.fromisoformat(p["issued_on"]),
    )


def owed_document_produce(*, owed_id: int) -> GeneratedDocument | None:
    """Produce one owed file and mark it paid in one transaction; None if it was produced already."""
    with transaction.atomic():
        owed = (
            OwedDocument.objects.select_for_update(of=("self",))
            .select_related("dossier__round", "dossier__unit", "dossier__applicant", "actor")
            .filter(pk=owed_id, produced__isnull=True)
            .first()
        )
        if owed is None:
            return None
        document = _produce(owed)
        owed.produced, owed.produced_at = document, timezone.now()
        owed.save(update_fields=["produced", "produced_at"])
    return document


def owed_documents_settle(*, dossier: Dossier) -> int:
    """The first read's part: produce whatever this dossier is still owed (nothing, usually). Returns how many."""
    ids = list(OwedDocument.objects.filter(dossier=dossier, produced__isnull=True).values_list("pk", flat=True))
    return sum(owed_document_produce(owed_id=i) is not None for i in ids)


def commitment_letter_generate(*, dossier: Dossier, actor: User) -> GeneratedDocument:
    """附件3 个人承诺书, filled with the applicant's name, ID number and unit, for signing by hand."""
    _require_visible(actor, dossier)

    def store(content_hash: str) -> GeneratedDocument:
        pdf = blocks_to_pdf(commitment_blocks(DossierContent(dossier)), title=f"个人承诺书 {dossier.serial_number}")
        return _store_for_dossier(
            dossier, kind=DocumentKind.COMMITMENT, data=pdf, actor=actor, content_hash=content_hash
        )

    return _once_per_version(dossier, DocumentKind.COMMITMENT, store)


def ce_exemption_generate(*, dossier: Dossier, actor: User) -> GeneratedDocument:
    """附件4 免除继续教育学习申请表, filled from the basic information, education and special assignments."""
    _require_visible(actor, dossier)

    def store(content_hash: str) -> GeneratedDocument:
        pdf = render_ce_exemption_pdf(DossierContent(dossier))
        return _store_for_dossier(
            dossier, kind=DocumentKind.CE_EXEMPTION, data=pdf, actor=actor, content_hash=content_hash
        )

    return _once_per_version(dossier, DocumentKind.CE_EXEMPTION, store)


# --- 申报人员花名册 ---------------------------------------------------------------------------------


def _require_officer_scope(actor: User, organization: Organization) -> None:
    if not officer_may_cover(actor, organization):
        raise PermissionDenied("您无权导出或批量生成该单位的材料。")


@transaction.atomic
def roster_generate(*, round_: Round, organization: Organization, actor: User) -> GeneratedDocument:
    """Annex 5 for a unit (or a county / prefecture the officer reviews for), stored and audited."""
    _require_officer_scope(actor, organization)
    buffer = io.BytesIO()
    rows = write_roster(round_=round_, organization=organization, out=buffer)
    return _store(
        kind=DocumentKind.ROSTER,
        file_format=FileFormat.XLSX,
        data=buffer.getvalue(),
        round_=round_,
        actor=actor,
        organization=organization,
        meta={"rows": rows},
    )


# --- batch generation -----------------------------------------------------------------------------


@transaction.atomic
def batch_job_create(*, round_: Round, organization: Organization, actor: User) -> BatchJob:
    """Queue the evaluation forms of every dossier of `organization` that reached the committee, as one ZIP."""
    _require_officer_scope(actor, organization)
    total = committee_dossiers(round_, organization).count()
    if total == 0:
        raise ValidationFailed("该范围内没有已被评审委员会接收的申报，无需生成。")
    job = BatchJob.objects.create(round=round_, organization=organization, created_by=actor, total=total)
    audit(actor, "document_batch_queued", round_, job_id=job.pk, organization=organization.code)
    # why: documents.tasks imports this module (the task calls batch_job_run).
    from documents.tasks import batch_evaluation_forms

    # The worker must see the committed row.
    transaction.on_commit(lambda: batch_evaluation_forms(job.pk))
    return job


@transaction.atomic
def batch_job_retry(*, job_id: int, actor: User) -> BatchJob:
    """Run a failed job again from the start (its owner, still in scope), e.g. once a missing file is back."""
    job = BatchJob.objects.select_for_update().filter(pk=job_id, created_by=actor).first()
    if job is None:
        raise NotFound("未找到该任务。")
    _require_officer_scope(actor, job.organization)
    if job.status != BatchJob.Status.FAILED:
        raise IllegalTransition(f"该任务状态为“{job.get_status_display()}”，只有失败的任务可以重试。")
    failed_with = job.error
    job.status, job.processed, job.error, job.attempts = BatchJob.Status.QUEUED, 0, "", 0
    job.started_at = job.finished_at = job.lease_expires_at = None
    reset = ["status", "processed", "error", "attempts", "started_at", "finished_at", "lease_expires_at"]
    job.save(update_fields=reset)
    audit(actor, "document_batch_retried", job.round, job_id=job.pk, failed_with=failed_with[:200])
    # why: documents.tasks imports this module (the task calls batch_job_run).
    from documents.tasks import batch_evaluation_forms

    transaction.on_commit(lambda: batch_evaluation_forms(job.pk))
    return job


def batch_failure_message(dossier: Dossier | None, exc: Exception) -> str:
    """What the page shows for a failed batch: which dossier and what to do, never a storage path."""
    which = f"生成申报 {dossier.serial_number} 的评审表时出错：" if dossier is not None else "生成评审表时出错："
    if isinstance(exc, DomainError):
        return which + exc.message
    if isinstance(exc, FileNotFoundError):
        return which + "申报材料中有文件在存储中缺失，请联系系统管理员恢复后点“重试”。"
    return which + "系统内部错误（已记录），请稍后点“重试”；仍失败请联系系统管理员。"


def batch_job_run(*, job_id: int) -> BatchJob:
    """Generate every form, updating progress after each one (the page polls it), then store the ZIP."""
    job = BatchJob.objects.select_related("round", "organization", "created_by").get(pk=job_id)
    if job.is_finished:
        return job
    job.status, job.started_at = BatchJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    dossiers = list(
        committee_dossiers(job.round, job.organization)
        .select_related("round", "unit", "applicant")
        .order_by("unit__code", "serial_number")
    )
    job.total = len(dossiers)
    job.save(update_fields=["total"])
    # The ZIP is written to a temporary file and stored from it in chunks: a prefecture's 874 forms were
    # 379 MB held in a worker's memory when it was built in a BytesIO.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    dossier: Dossier | None = None
    try:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for index, dossier in enumerate(dossiers, start=1):
                document = evaluation_form_generate(dossier=dossier, actor=job.created_by)
                name = f"{folder_name(dossier.unit.name)}/{dossier.serial_number}-评审表.pdf"
                with document.file.open("rb") as handle, archive.open(name, "w") as member:
                    shutil.copyfileobj(handle, member, 1024 * 1024)
                BatchJob.objects.filter(pk=job.pk).update(processed=index)
        dossier = None  # every form is drawn: a failure from here on is the ZIP's own
        result = _store(
            kind=DocumentKind.EVALUATION_FORM_BATCH,
            file_format=FileFormat.ZIP,
            data=spool,
            round_=job.round,
            actor=job.created_by,
            organization=job.organization,
            meta={"job_id": job.pk, "count": len(dossiers)},
        )
    except Exception as exc:  # the page must show the failure instead of spinning forever
        logger.exception("batch job %s failed", job.pk)
        BatchJob.objects.filter(pk=job.pk).update(
            status=BatchJob.Status.FAILED, error=batch_failure_message(dossier, exc)[:2000], finished_at=timezone.now()
        )
        raise
    finally:
        spool.close()
    BatchJob.objects.filter(pk=job.pk).update(
        status=BatchJob.Status.DONE, result=result, processed=len(dossiers), finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def folder_name(name: str) -> str:
    """A unit's name as a ZIP folder: the name people know (never the unit code), minus path separators."""
    cleaned = "".join("_" if ch in '/\\:*?"<>|' else ch for ch in name).strip(" .")
    return cleaned or "未命名单位"


class DossierDocumentGenerator(Protocol):
    def __call__(self, *, dossier: Dossier, actor: User) -> GeneratedDocument: ...


# The files anyone who may see a dossier generates from it on demand; the pages and the API offer the same.
DOSSIER_DOCUMENTS: dict[DocumentKind, DossierDocumentGenerator] = {
    DocumentKind.EVALUATION_FORM: evaluation_form_generate,
    DocumentKind.COMMITMENT: commitment_letter_generate,
    DocumentKind.CE_EXEMPTION: ce_exemption_generate,
}
