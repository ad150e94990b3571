"""Documents API: every download of the documents pages, plus the public verification lookup.

File endpoints answer with the file itself; refusals come back as {"code", "message", "details"}.
"""

from __future__ import annotations

import datetime as dt

from django.http import FileResponse, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router, Schema, Status

from accounts.auth import signed_in_user
from accounts.models import Organization
from core.errors import NotFound
from documents import selectors, services
from documents.models import BatchJob, DocumentKind, GeneratedDocument
from documents.views import file_response
from dossiers.access import visible_dossier
from rounds.models import Round

router = Router(tags=["documents"])


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    file_format: str
    sha256: str
    size_bytes: int
    created_at: dt.datetime
    url: str


class DownloadsOut(Schema):
    evaluation_form_allowed: bool
    evaluation_form_url: str
    commitment_url: str
    ce_exemption_url: str
    documents: list[DocumentOut]


class VerificationOut(Schema):
    valid: bool
    serial_number: str
    round_name: str
    applicant_name: str
    id_number: str
    unit_name: str
    level_label: str
    kind_label: str
    status: str
    status_label: str
    printed_at: dt.datetime
    is_latest_print: bool


class BatchIn(Schema):
    round: str
    organization: str


class BatchOut(Schema):
    id: int
    status: str
    total: int
    processed: int
    percent: int
    error: str
    result_url: str | None


def _document_out(document: GeneratedDocument) -> DocumentOut:
    return DocumentOut(
        id=document.pk,
        kind=document.kind,
        kind_label=document.get_kind_display(),
        file_format=document.file_format,
        sha256=document.sha256,
        size_bytes=document.size_bytes,
        created_at=document.created_at,
        url=reverse("api:documents_file", args=[document.pk]),
    )


@router.get("/dossiers/{dossier_id}/downloads", response=DownloadsOut, url_name="documents_downloads")
def downloads(request: HttpRequest, dossier_id: int) -> DownloadsOut:
    dossier = visible_dossier(signed_in_user(request), dossier_id)
    info = selectors.dossier_downloads(signed_in_user(request), dossier)
    return DownloadsOut(
        evaluation_form_allowed=info["evaluation_form_allowed"],
        evaluation_form_url=reverse("api:documents_evaluation_form", args=[dossier.pk]),
        commitment_url=reverse("api:documents_commitment", args=[dossier.pk]),
        ce_exemption_url=reverse("api:documents_ce_exemption", args=[dossier.pk]),
        documents=[_document_out(d) for d in info["stored"]],
    )


def _generated(request: HttpRequest, dossier_id: int, kind: DocumentKind) -> FileResponse:
    dossier = visible_dossier(signed_in_user(request), dossier_id)
    return file_response(services.DOSSIER_DOCUMENTS[kind](dossier=dossier, actor=signed_in_user(request)))


@router.get("/dossiers/{dossier_id}/evaluation-form", url_name="documents_evaluation_form")
def evaluation_form(request: HttpRequest, dossier_id: int) -> FileResponse:
    return _generated(request, dossier_id, DocumentKind.EVALUATION_FORM)


@router.get("/dossiers/{dossier_id}/commitment", url_name="documents_commitment")
def commitment(request: HttpRequest, dossier_id: int) -> FileResponse:
    return _generated(request, dossier_id, DocumentKind.COMMITMENT)


@router.get("/dossiers/{dossier_id}/ce-exemption", url_name="documents_ce_exemption")
def ce_exemption(request: HttpRequest, dossier_id: int) -> FileResponse:
    return _generated(request, dossier_id, DocumentKind.CE_EXEMPTION)


@router.get("/files/{document_id}", url_name="documents_file")
def stored_file(request: HttpRequest, document_id: int) -> FileResponse:
    document = (
        GeneratedDocument.objects.select_related("dossier", "round", "organization").filter(pk=document_id).first()
    )
    if document is None or not selectors.document_visible_to(signed_in_user(request), document):
        raise NotFound("未找到该文件，或您无权下载。")
    return file_response(document)


@router.get("/verify/{code}", response=VerificationOut, auth=None, url_name="documents_verify")
def verify(request: HttpRequest, code: str) -> VerificationOut:
    """Public: a tampered or unknown code answers 404 with code `not_found`."""
    document = selectors.verification_lookup(code)
    if document is None:
        raise NotFound("验证码无效：未找到对应的评审表。")
    return VerificationOut(valid=True, **selectors.verification_summary(document))


@router.get("/roster", url_name="documents_roster")
def roster(request: HttpRequest, round: str, organization: str) -> FileResponse:
    round_ = get_object_or_404(Round, slug=round)
    org = get_object_or_404(Organization, code=organization)
    return file_response(services.roster_generate(round_=round_, organization=org, actor=signed_in_user(request)))


def _batch_out(job: BatchJob) -> BatchOut:
    return BatchOut(
        id=job.pk,
        status=job.status,
        total=job.total,
        processed=job.processed,
        percent=job.percent,
        error=job.error,
        result_url=reverse("api:documents_file", args=[job.result_id]) if job.result_id else None,
    )


@router.post("/batches", response={201: BatchOut}, url_name="documents_batch_create")
def batch_create(request: HttpRequest, payload: BatchIn) -> Status[BatchOut]:
    round_ = get_object_or_404(Round, slug=payload.round)
    org = get_object_or_404(Organization, code=payload.organization)
    job = services.batch_job_create(round_=round_, organization=org, actor=signed_in_user(request))
    return Status(201, _batch_out(job))


@router.get("/batches/{job_id}", response=BatchOut, url_name="documents_batch")
def batch(request: HttpRequest, job_id: int) -> BatchOut:
    job = BatchJob.objects.filter(pk=job_id, created_by=signed_in_user(request)).first()
    if job is None:
        raise NotFound("未找到该任务。")
    return _batch_out(job)


@router.post("/batches/{job_id}/retry", response=BatchOut, url_name="documents_batch_retry")
def batch_retry(request: HttpRequest, job_id: int) -> BatchOut:
    """Run a failed job again from the start."""
    return _batch_out(services.batch_job_retry(job_id=job_id, actor=signed_in_user(request)))
