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
from masking.decisions import AttachmentDecisions, dossier_masking_decisions, experts_assigned, office_dossier
from masking.models import MaskingStatus, RecheckStatus
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
    findings: list[dict[str, Any]]
    not_mine: dict[str, str]
    recheck: str
    recheck_label: str


class BoxesIn(Schema):
    boxes: list[list[float]] = []
    needs_masking: bool | None = None
    # {finding id: reason}: detected occurrences the applicant says are not theirs.
    not_mine: dict[str, str] = {}


class FindingOut(Schema):
    id: str
    kind: str
    kind_label: str
    box: list[int]
    covered: bool
    not_mine_reason: str | None
    decision: str


class DecisionOut(Schema):
    attachment_id: int
    section: str
    doc_type: str
    doc_label: str
    status: str
    needs_masking: bool | None
    boxes: list[list[int]]
    findings: list[FindingOut]
    recheck: str
    recheck_label: str
    leak_kinds: list[str]
    leak_boxes: list[list[int]]
    needs_office: bool
    overrulings: list[dict[str, Any]]
    original_url: str
    masked_url: str | None


class DossierDecisionsOut(Schema):
    dossier_id: int
    experts_assigned: bool
    attachments: list[DecisionOut]


class RecoverIn(Schema):
    # Finding ids to cover again; omitted = every finding marked "not my name".
    findings: list[str] | None = None
    reason: str


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
        "findings": m.findings if m else [],
        "not_mine": m.not_mine if m else {},
        "recheck": m.recheck if m else "",
        "recheck_label": RecheckStatus(m.recheck if m else "").label,
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
        not_mine=payload.not_mine,
    )
    return _out(MaskingItem(masking.attachment, masking))


@router.post("/attachments/{attachment_id}/confirm", response=MaskingOut)
def confirm(request: HttpRequest, attachment_id: int, payload: BoxesIn) -> dict[str, Any]:
    masking = services.masking_confirm(
        actor=signed_in_user(request),
        attachment_id=attachment_id,
        boxes=payload.boxes,
        needs_masking=payload.needs_masking,
        not_mine=payload.not_mine,
    )
    return _out(MaskingItem(masking.attachment, masking))


@router.post("/attachments/{attachment_id}/retry", response=MaskingOut)
def retry(request: HttpRequest, attachment_id: int) -> dict[str, Any]:
    masking = services.masking_retry(actor=signed_in_user(request), attachment_id=attachment_id)
    masking.refresh_from_db()
    return _out(MaskingItem(masking.attachment, masking))


# --- the prefecture office -------------------------------------------------------------------------


def _decision_out(entry: AttachmentDecisions) -> dict[str, Any]:
    a, m = entry.item.attachment, entry.item.masking
    return {
        "attachment_id": a.pk,
        "section": a.section,
        "doc_type": a.doc_type,
        "doc_label": entry.doc_label,
        "status": entry.item.status,
        "needs_masking": m.needs_masking if m else None,
        "boxes": m.confirmed_boxes if m else [],
        "findings": [
            {
                "id": f.finding.id,
                "kind": f.finding.kind,
                "kind_label": f.finding.kind_label,
                "box": list(f.finding.core),
                "covered": f.covered,
                "not_mine_reason": f.not_mine_reason,
                "decision": f.decision_label,
            }
            for f in entry.findings
        ],
        "recheck": entry.recheck,
        "recheck_label": entry.recheck_label,
        "leak_kinds": m.leak_kinds if m else [],
        "leak_boxes": m.leak_boxes if m else [],
        "needs_office": entry.needs_office,
        "overrulings": m.overrulings if m else [],
        "original_url": reverse("masking:image", args=[a.pk, "original"]),
        "masked_url": reverse("masking:image", args=[a.pk, "masked"]) if m and m.masked_file else None,
    }


@router.get("/office/dossiers/{dossier_id}/decisions", response=DossierDecisionsOut)
def office_decisions(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    """Each attachment's masking decisions, for the prefecture office of the dossier."""
    dossier = office_dossier(signed_in_user(request), dossier_id)
    return {
        "dossier_id": dossier.pk,
        "experts_assigned": experts_assigned(dossier),
        "attachments": [_decision_out(entry) for entry in dossier_masking_decisions(dossier)],
    }


@router.post("/office/attachments/{attachment_id}/recover", response=DecisionOut)
def office_recover(request: HttpRequest, attachment_id: int, payload: RecoverIn) -> dict[str, Any]:
    """Overrule the applicant before experts are assigned: cover the chosen findings (and any leak) again."""
    user = signed_in_user(request)
    masking = services.masking_office_recover(
        actor=user, attachment_id=attachment_id, finding_ids=payload.findings, reason=payload.reason
    )
    entries = dossier_masking_decisions(masking.attachment.dossier)
    return _decision_out(next(e for e in entries if e.item.attachment.pk == attachment_id))
