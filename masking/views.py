"""The applicant's masking page (检查本人姓名遮盖) and the image endpoints (through masking.selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import signed_in_user
from core.pages import refusals_shown
from dossiers.models import Attachment
from dossiers.sections import doc_type_label
from dossiers.selectors import dossier_of_applicant
from masking import services
from masking.coverage import KIND_LABELS
from masking.decisions import dossier_masking_decisions, experts_assigned, office_dossier
from masking.selectors import MaskingItem, attachment_file_for, masking_items, masking_of, masking_summary
from masking.thumbnails import thumbnail_of


def section_label(attachment: Attachment) -> str:
    try:
        return str(attachment.dossier.round.policy.section(attachment.section)["title"])
    except KeyError:
        return attachment.section


def _findings(item: MaskingItem) -> list[dict[str, object]]:
    """The detected occurrences as the applicant's card lists them (numbered as the outlines on the image)."""
    masking = item.masking
    if masking is None:
        return []
    return [
        {
            "id": f["id"],
            "number": i,
            "kind_label": KIND_LABELS.get(f["kind"], f["kind"]),
            "core": f.get("core") or f["box"],
            "reason": masking.not_mine.get(f["id"], ""),
        }
        for i, f in enumerate(masking.findings, start=1)
    ]


def _card_context(item: MaskingItem, editable: bool) -> dict[str, object]:
    attachment = item.attachment
    findings = _findings(item)
    masking = item.masking
    return {
        "findings": findings,
        "findings_data": [{"id": f["id"], "number": f["number"], "core": f["core"]} for f in findings],
        "findings_id": f"mask-findings-{attachment.pk}",
        "leak_labels": [KIND_LABELS.get(k, k) for k in masking.leak_kinds] if masking else [],
        "item": item,
        "attachment": attachment,
        "masking": item.masking,
        "section_label": section_label(attachment),
        "doc_label": doc_type_label(attachment.section, attachment.doc_type),
        "editable": editable,
        "boxes": item.masking.editor_boxes if item.masking else [],
        "boxes_id": f"mask-boxes-{attachment.pk}",
    }


# One poll per page while cards wait for their OCR job (not one per card): every POLL_FIRST_MS at first, then
# growing by POLL_GROWTH up to POLL_MAX_MS while nothing finishes; back to the start when a card finished.
POLL_FIRST_MS, POLL_GROWTH, POLL_MAX_MS = 2000, 1.5, 20000


def _waiting(item: MaskingItem) -> bool:
    """Whether the card still waits for a job (recognition, or the recheck of its masked copy)."""
    masking = item.masking
    return masking is None or masking.in_progress or masking.recheck == "pending"


def _poll(waiting_ids: list[int], delay_ms: int) -> dict[str, object]:
    return {"ids": ",".join(str(pk) for pk in waiting_ids), "delay_ms": delay_ms}


@login_required
@require_GET
@refusals_shown(page=True)
def dossier_masking(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = dossier_of_applicant(signed_in_user(request), dossier_id)
    editable = dossier.is_editable_by_applicant
    items = masking_items(dossier)
    cards = [_card_context(item, editable) for item in items]
    poll = _poll([item.attachment.pk for item in items if _waiting(item)], POLL_FIRST_MS)
    return render(
        request,
        "masking/dossier_masking.html",
        {"dossier": dossier, "cards": cards, "summary": masking_summary(dossier), "editable": editable, "poll": poll},
    )


def _own_item(request: HttpRequest, attachment_id: int) -> MaskingItem:
    attachment = Attachment.objects.select_related("dossier", "dossier__round").filter(pk=attachment_id).first()
    if attachment is None or attachment.dossier.applicant_id != request.user.pk:
        raise Http404(_("No such attachment."))
    return MaskingItem(attachment, masking_of(attachment))


@login_required
@require_GET
def attachment_card(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """One attachment's card; polled by htmx while its OCR job runs."""
    item = _own_item(request, attachment_id)
    context = _card_context(item, item.attachment.dossier.is_editable_by_applicant)
    return render(request, "masking/_attachment_card.html", context)


def _ids(value: str) -> set[int]:
    return {int(part) for part in value.split(",") if part.strip().isdigit()}


def _delay_ms(value: str) -> int:
    return min(max(int(value), POLL_FIRST_MS), POLL_MAX_MS) if value.isdigit() else POLL_FIRST_MS


@login_required
@require_GET
@refusals_shown(page=True)
def dossier_summary(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """The page's progress line, polled while cards wait: it also carries (out of band) the cards of
    `waiting` whose job has finished since, and the next poll's list and delay."""
    dossier = dossier_of_applicant(signed_in_user(request), dossier_id)
    asked = _ids(request.GET.get("waiting", ""))
    items = [item for item in masking_items(dossier) if item.attachment.pk in asked]
    finished = [item for item in items if not _waiting(item)]
    still = [item.attachment.pk for item in items if _waiting(item)]
    delay = POLL_FIRST_MS if finished else int(_delay_ms(request.GET.get("delay", "")) * POLL_GROWTH)
    context = {"dossier": dossier, "summary": masking_summary(dossier), "poll": _poll(still, min(delay, POLL_MAX_MS))}
    html = render_to_string("masking/_summary.html", context, request)
    editable = dossier.is_editable_by_applicant
    for item in finished:
        card = {**_card_context(item, editable), "oob": True}
        html += render_to_string("masking/_attachment_card.html", card, request)
    return HttpResponse(html)


@login_required
@require_POST
@refusals_shown()
def attachment_retry(request: HttpRequest, attachment_id: int) -> HttpResponse:
    item = _own_item(request, attachment_id)
    services.masking_retry(actor=signed_in_user(request), attachment_id=attachment_id)
    return redirect("masking:dossier", dossier_id=item.attachment.dossier_id)


@login_required
@require_GET
@refusals_shown(page=True)
def attachment_image(request: HttpRequest, attachment_id: int, variant: str) -> HttpResponse | FileResponse:
    """An attachment image as the selector allows it for this user (original or masked copy)."""
    attachment = Attachment.objects.select_related("dossier").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    served = attachment_file_for(signed_in_user(request), attachment, variant)
    response = FileResponse(served.file.open("rb"), content_type="image/jpeg", filename=served.download_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
@refusals_shown(page=True)
def attachment_thumbnail(request: HttpRequest, attachment_id: int, variant: str) -> HttpResponse | FileResponse:
    """A small copy of the file the selector allows this user (the same gate as the full image)."""
    attachment = Attachment.objects.select_related("dossier").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    served = attachment_file_for(signed_in_user(request), attachment, variant)
    name = thumbnail_of(served.file)
    response = FileResponse(default_storage.open(name, "rb"), content_type="image/jpeg")
    # Private: the gate decided for this user; a shared cache must not hand it to anyone else.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the prefecture office -------------------------------------------------------------------------


@login_required
@require_GET
@refusals_shown(page=True)
def office_dossier_masking(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """The office's view of a dossier's masking decisions: found / masked / marked and why / recheck."""
    dossier = office_dossier(signed_in_user(request), dossier_id)
    return render(
        request,
        "masking/office_dossier.html",
        {
            "dossier": dossier,
            "entries": dossier_masking_decisions(dossier),
            "locked": experts_assigned(dossier),
        },
    )


@login_required
@require_POST
@refusals_shown()
def office_recover(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("No such attachment."))
    services.masking_office_recover(
        actor=signed_in_user(request),
        attachment_id=attachment_id,
        finding_ids=request.POST.getlist("finding"),
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("Covered again; the covered picture will be re-checked."))
    return redirect("masking:office", dossier_id=attachment.dossier_id)
