"""Expert pages (blind review): assigned dossiers under a pseudonym, masked images only.

Nothing here reads the applicant, the unit, section data or original file names: the expert sees the
pseudonym, the round, level and kind, and attachments served by masking.selectors.attachment_file_for.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.auth import signed_in_user
from committee.selectors import assignment_of_expert, assignments_of_expert
from core.errors import DomainError
from dossiers.models import Dossier
from dossiers.sections import doc_type_label
from masking.selectors import FileVariant, attachment_file_for, masked_attachments, masking_items


def _section_title(dossier: Dossier, key: str) -> str:
    try:
        return str(dossier.round.policy.section(key)["title"])
    except KeyError:
        return key


@login_required
@require_GET
def expert_list(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "assignment": a,
            "round_name": a.dossier.round.name,
            "level": a.dossier.level_label,
            "kind": a.dossier.kind_label,
        }
        for a in assignments_of_expert(signed_in_user(request))
    ]
    return render(request, "committee/expert_list.html", {"rows": rows})


@login_required
@require_GET
def expert_dossier(request: HttpRequest, assignment_id: int) -> HttpResponse:
    try:
        expert = signed_in_user(request)
        assignment = assignment_of_expert(expert, assignment_id)
        attachments = masked_attachments(assignment.dossier)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    dossier = assignment.dossier
    materials = [
        {
            "id": a.pk,
            "section": _section_title(dossier, a.section),
            "doc": doc_type_label(a.section, a.doc_type),
            "width": a.width,
            "height": a.height,
        }
        for a in attachments
    ]
    pending = len(masking_items(dossier)) - len(materials)  # the unit's publicity records are never shown
    return render(
        request,
        "committee/expert_dossier.html",
        {
            "assignment": assignment,
            "round_name": dossier.round.name,
            "level": dossier.level_label,
            "kind": dossier.kind_label,
            "materials": materials,
            "pending": pending,
        },
    )


@login_required
@require_GET
def expert_file(request: HttpRequest, assignment_id: int, attachment_id: int) -> FileResponse:
    try:
        expert = signed_in_user(request)
        assignment = assignment_of_expert(expert, assignment_id)
        attachment = assignment.dossier.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise Http404("未找到该材料。")
        served = attachment_file_for(expert, attachment, FileVariant.MASKED)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    download = request.GET.get("download") == "1"
    response = FileResponse(
        served.file.open("rb"), content_type="image/jpeg", as_attachment=download, filename=served.download_name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
