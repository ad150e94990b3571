"""The expert's blind-review pages: assigned dossiers under their pseudonym, the redacted typed content of
the judged sections, the masked attachments the visibility gate allows, and the opinion and score form.

Templates receive only what committee.blind_review returns (pseudonym, round, level, kind, redacted text,
material ids and labels): never the dossier, its applicant or its unit."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import signed_in_user
from committee.blind_review import (
    opinion_of,
    opinion_refusal,
    pending_material_count,
    review_materials,
    review_sections,
)
from committee.models import ExpertAssignment, ExpertOpinion
from committee.opinions import MAX_SCORE, opinion_submit
from committee.selectors import assignment_of_expert, assignment_page
from core.errors import NotFound
from core.pages import LIST_PAGE_SIZE, refusals_shown
from masking.selectors import FileVariant, attachment_file_for


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=gettext_lazy("Review opinion"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    score = forms.DecimalField(label=gettext_lazy("Score (0—100)"), min_value=0, max_value=MAX_SCORE, decimal_places=2)


def _heading(assignment: ExpertAssignment) -> dict[str, str]:
    dossier = assignment.dossier
    return {
        "pseudonym": assignment.pseudonym,
        "round_name": dossier.round.name,
        "level": dossier.level_label,
        "kind": dossier.kind_label,
    }


@login_required
@require_GET
@refusals_shown()
def review_list(request: HttpRequest) -> HttpResponse:
    listed = assignment_page(signed_in_user(request), page=request.GET.get("page") or 1, limit=LIST_PAGE_SIZE)
    rows = [{"id": a.pk, **_heading(a), "opinion": opinion_of(a), "refusal": opinion_refusal(a)} for a in listed.rows]
    return render(request, "committee/review/list.html", {"rows": rows, "page_obj": listed.page})


def _initial(opinion: ExpertOpinion | None) -> dict[str, object]:
    return {"opinion": opinion.opinion, "score": opinion.score} if opinion else {}


def _dossier_page(request: HttpRequest, assignment: ExpertAssignment, form: OpinionForm) -> HttpResponse:
    dossier = assignment.dossier
    materials = review_materials(dossier)
    context = {
        "assignment_id": assignment.pk,
        **_heading(assignment),
        "sections": review_sections(dossier),
        "materials": materials,
        "pending": pending_material_count(dossier, len(materials)),
        "opinion": opinion_of(assignment),
        "refusal": opinion_refusal(assignment),
        "form": form,
    }
    return render(request, "committee/review/dossier.html", context)


@login_required
@require_GET
@refusals_shown()
def review_dossier(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = assignment_of_expert(signed_in_user(request), assignment_id)
    return _dossier_page(request, assignment, OpinionForm(initial=_initial(opinion_of(assignment))))


@login_required
@require_POST
@refusals_shown(back="committee:review_dossier")
def review_opinion(request: HttpRequest, assignment_id: int) -> HttpResponseBase:
    expert = signed_in_user(request)
    assignment = assignment_of_expert(expert, assignment_id)
    form = OpinionForm(request.POST)
    if not form.is_valid():
        # The expert's text stays in the form, with the reasons beside it.
        return _dossier_page(request, assignment, form)
    opinion_submit(
        actor=expert, assignment=assignment, opinion=form.cleaned_data["opinion"], score=form.cleaned_data["score"]
    )
    messages.success(
        request, _("Review opinion and score for %(pseudonym)s saved.") % {"pseudonym": assignment.pseudonym}
    )
    return redirect("committee:review_dossier", assignment_id=assignment.pk)


@login_required
@require_GET
@refusals_shown()
def review_file(request: HttpRequest, assignment_id: int, attachment_id: int) -> FileResponse:
    expert = signed_in_user(request)
    assignment = assignment_of_expert(expert, assignment_id)
    attachment = assignment.dossier.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such material."))
    served = attachment_file_for(expert, attachment, FileVariant.MASKED)
    response = FileResponse(
        served.file.open("rb"),
        content_type="image/jpeg",
        as_attachment=request.GET.get("download") == "1",
        filename=served.download_name,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
