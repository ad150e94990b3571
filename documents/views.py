"""Document pages: thin views over documents.selectors (reads) and documents.services (writes)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.auth import signed_in_user
from accounts.models import Organization
from core.errors import DomainError, NotFound, PermissionDenied
from core.pages import page_of, refusals_shown
from documents import selectors, services
from documents.models import BatchJob, DocumentKind, FileFormat, GeneratedDocument
from dossiers.access import visible_dossier
from rounds.models import Round


def file_response(document: GeneratedDocument) -> FileResponse:
    # PDFs open in the browser's viewer (to print); Word, Excel and ZIP files download.
    return FileResponse(
        document.file.open("rb"),
        as_attachment=document.file_format != FileFormat.PDF,
        filename=document.download_name,
        content_type=document.content_type,
    )


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: is this printed evaluation form genuine, and where does its dossier stand now?"""
    document = selectors.verification_lookup(code)
    if document is None:
        return render(request, "documents/verify.html", {"valid": False, "code": code}, status=404)
    return render(
        request, "documents/verify.html", {"valid": True, "code": code, **selectors.verification_summary(document)}
    )


def _generated(request: HttpRequest, dossier_id: int, kind: DocumentKind) -> HttpResponseBase:
    user = signed_in_user(request)
    # A missing dossier and someone else's answer alike (404): the refusal confirms nothing.
    dossier = visible_dossier(user, dossier_id)
    return file_response(services.DOSSIER_DOCUMENTS[kind](dossier=dossier, actor=user))


@login_required
@refusals_shown(page=True)
def evaluation_form(request: HttpRequest, dossier_id: int) -> HttpResponseBase:
    return _generated(request, dossier_id, DocumentKind.EVALUATION_FORM)


@login_required
@refusals_shown(page=True)
def commitment_letter(request: HttpRequest, dossier_id: int) -> HttpResponseBase:
    return _generated(request, dossier_id, DocumentKind.COMMITMENT)


@login_required
@refusals_shown(page=True)
def ce_exemption(request: HttpRequest, dossier_id: int) -> HttpResponseBase:
    return _generated(request, dossier_id, DocumentKind.CE_EXEMPTION)


@login_required
@refusals_shown(page=True)
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    document = GeneratedDocument.objects.select_related("dossier", "round", "organization").filter(pk=pk).first()
    if document is None or not selectors.document_visible_to(signed_in_user(request), document):
        raise NotFound(_("File not found, or you may not download it."))
    return file_response(document)


def _officer_context(request: HttpRequest) -> dict[str, object]:
    organizations = selectors.officer_organizations(signed_in_user(request))
    if not organizations:
        raise PermissionDenied(_("Only reviewers of units, counties and the prefecture may use this."))
    return {"organizations": organizations, "rounds": Round.objects.all()}


def _selection(request: HttpRequest) -> tuple[Round, Organization]:
    round_ = Round.objects.filter(slug=request.POST.get("round", "")).first()
    organization = Organization.objects.filter(code=request.POST.get("organization", "")).first()
    if round_ is None or organization is None:
        raise DomainError(_("Choose a round and a unit."))
    return round_, organization


@login_required
@require_http_methods(["GET", "POST"])
@refusals_shown(page=True)
def roster(request: HttpRequest) -> HttpResponseBase:
    """申报人员花名册 per unit (or per county / prefecture for the officers there)."""
    user = signed_in_user(request)
    context = _officer_context(request)
    if request.method == "POST":
        round_, organization = _selection(request)
        return file_response(services.roster_generate(round_=round_, organization=organization, actor=user))
    recent = GeneratedDocument.objects.filter(kind=DocumentKind.ROSTER, created_by=user).select_related(
        "round", "organization"
    )[:10]
    return render(request, "documents/roster.html", {**context, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
@refusals_shown(page=True)
def batches(request: HttpRequest) -> HttpResponseBase:
    """Batch generation of evaluation forms (one ZIP per unit / county / prefecture) in the background."""
    user = signed_in_user(request)
    context = _officer_context(request)
    if request.method == "POST":
        round_, organization = _selection(request)
        job = services.batch_job_create(round_=round_, organization=organization, actor=user)
        return redirect("documents:batch_detail", pk=job.pk)
    mine = BatchJob.objects.filter(created_by=user).select_related("round", "organization", "result")
    jobs = page_of(mine, request, 20)
    return render(request, "documents/batches.html", {**context, "jobs": jobs, "page_obj": jobs})


def _own_job(request: HttpRequest, pk: int) -> BatchJob:
    return get_object_or_404(
        BatchJob.objects.select_related("round", "organization", "result"), pk=pk, created_by=signed_in_user(request)
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "documents/batch_detail.html", {"job": _own_job(request, pk)})


@login_required
@require_http_methods(["POST"])
@refusals_shown(page=True)
def batch_retry(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Run a failed job again (the detail page's 重试 button)."""
    job = services.batch_job_retry(job_id=pk, actor=signed_in_user(request))
    return redirect("documents:batch_detail", pk=job.pk)


@login_required
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment the detail page polls; it stops polling once the job has finished."""
    return render(request, "documents/_batch_progress.html", {"job": _own_job(request, pk)})
