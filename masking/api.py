"""Masking API for the applicant: list, edit boxes, confirm (the same services as the page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from accounts.auth import signed_in_user
from core.errors import NotFound
from dossiers.models import Attachment
from dossiers.selectors import dossier_of_applicant
from masking import services
from masking.models import MaskingStatus
from masking.selectors import MaskingItem, masking_items, masking_of

router = Router(tags=["masking"])


class MaskingOut(Schema):
    attachment_id: int
    section: str
    doc_type: str
    width: int
    height: int
    status: str
    status_label: str
    proposed_boxes: list[list[int]]
    boxes: list[list[int]]
    needs_masking: bool | None
    confidence: float | None
    flags: list[str]
    image_url: str
    masked_url: str | None


class BoxesIn(Schema):
    boxes: list[list[float]] = []
    needs_masking: bool | None = None


def _out(item: MaskingItem) -> dict[str, Any]:
    a, m = item.attachment, item.masking
    confirmed = m is not None and m.status == MaskingStatus.CONFIRMED and bool(m.masked_file)
    return {
        "attachment_id": a.pk,
        "section": a.section,
        "doc_type": a.doc_type,
        "width": a.width,
        "height": a.height,
        "status": item.status,
        "status_label": item.status_label,
        "proposed_boxes": m.proposed_boxes if m else [],
        "boxes": m.editor_boxes if m else [],
        "needs_masking": m.needs_masking if m else None,
        "confidence": m.confidence if m else None,
        "flags": m.flag_reasons if m else [],
        "image_url": reverse("masking:image", args=[a.pk, "original"]),
        "masked_url": reverse("masking:image", args=[a.pk, "masked"]) if confirmed else None,
    }


def _own_item(request: HttpRequest, attachment_id: int) -> MaskingItem:
    attachment = Attachment.objects.select_related("dossier").filter(pk=attachment_id).first()
    if attachment is None or attachment.dossier.applicant_id != request.user.pk:
        raise NotFound("未找到该附件。")
    return MaskingItem(attachment, masking_of(attachment))


@router.get("/dossiers/{dossier_id}/attachments", response=list[MaskingOut])
def list_attachments(request: HttpRequest, dossier_id: int) -> list[dict[str, Any]]:
    dossier = dossier_of_applicant(signed_in_user(request), dossier_id)
    return [_out(item) for item in masking_items(dossier)]


@router.get("/attachments/{attachment_id}", response=MaskingOut)
def get_attachment(request: HttpRequest, attachment_id: int) -> dict[str, Any]:
    return _out(_own_item(request, attachment_id))


@router.put("/attachments/{attachment_id}/boxes", response=MaskingOut)
def update_boxes(request: HttpRequest, attachment_id: int, payload: BoxesIn) -> dict[str, Any]:
    masking = services.masking_save_draft(
        actor=signed_in_user(request),
        attachment_id=attachment_id,
        boxes=payload.boxes,
        needs_masking=payload.needs_masking,
    )
    return _out(MaskingItem(masking.attachment, masking))


@router.post("/attachments/{attachment_id}/confirm", response=MaskingOut)
def confirm(request: HttpRequest, attachment_id: int, payload: BoxesIn) -> dict[str, Any]:
    masking = services.masking_confirm(
        actor=signed_in_user(request),
        attachment_id=attachment_id,
        boxes=payload.boxes,
        needs_masking=payload.needs_masking,
    )
    return _out(MaskingItem(masking.attachment, masking))


@router.post("/attachments/{attachment_id}/retry", response=MaskingOut)
def retry(request: HttpRequest, attachment_id: int) -> dict[str, Any]:
    masking = services.masking_retry(actor=signed_in_user(request), attachment_id=attachment_id)
    masking.refresh_from_db()
    return _out(MaskingItem(masking.attachment, masking))
