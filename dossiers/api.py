"""The dossier JSON API (/api/dossiers/): the applicant's dossier actions, session auth + CSRF. Submitting is a
workflow action: POST /api/dossiers/{id}/actions/submit (or `resubmit`), routed by workflow.api.

Errors are typed: {"code", "message", "details"}; a section that fails validation answers 400 with
`details.errors` = [{"path": "rows.2.end", "message": "…"}], paths into the section data contract.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from accounts.auth import signed_in_user
from core.api_errors import ERRORS
from core.errors import NotFound
from dossiers import services
from dossiers.models import Attachment, Dossier
from dossiers.sections import SECTIONS, doc_type_label
from dossiers.selectors import dossier_completeness, dossier_of_applicant, dossiers_of_applicant, section_data
from rounds.models import Round

router = Router(tags=["dossiers"])


class DossierOut(Schema):
    id: int
    serial_number: str
    round: str
    level: str
    kind: str
    status: str
    status_label: str
    unit: str
    submission_count: int
    max_submissions: int
    version: int
    editable: bool
    submitted_at: dt.datetime | None

    @staticmethod
    def of(d: Dossier) -> dict[str, Any]:
        return {
            "id": d.pk,
            "serial_number": d.serial_number,
            "round": d.round.slug,
            "level": d.level,
            "kind": d.kind,
            "status": d.status,
            "status_label": d.status_label,
            "unit": d.unit.name,
            "submission_count": d.submission_count,
            "max_submissions": d.round.policy.max_submissions,
            "version": d.version,
            "editable": d.is_editable_by_applicant,
            "submitted_at": d.submitted_at,
        }


class AttachmentOut(Schema):
    id: int
    section: str
    doc_type: str
    doc_type_label: str
    original_name: str
    width: int
    height: int
    size_bytes: int
    sha256: str
    url: str

    @staticmethod
    def of(a: Attachment) -> dict[str, Any]:
        return {
            "id": a.pk,
            "section": a.section,
            "doc_type": a.doc_type,
            "doc_type_label": doc_type_label(a.section, a.doc_type),
            "original_name": a.original_name,
            "width": a.width,
            "height": a.height,
            "size_bytes": a.size_bytes,
            "sha256": a.sha256,
            "url": reverse("dossiers:attachment_file", kwargs={"pk": a.pk}),
        }


class DossierDetailOut(DossierOut):
    sections: dict[str, dict[str, Any]]
    attachments: list[AttachmentOut]


class DossierCreateIn(Schema):
    round: str
    level: str
    kind: str


class SectionIn(Schema):
    # The section's data in the shape of the section data contract (dates "YYYY-MM-DD").
    data: dict[str, Any]
    expected_version: int | None = None


class SectionOut(Schema):
    key: str
    data: dict[str, Any]
    version: int


class SectionStatusOut(Schema):
    key: str
    number: int
    title: str
    ok: bool
    saved: bool
    missing: list[str]


class CompletenessOut(Schema):
    complete: bool
    sections: list[SectionStatusOut]


def _own(request: HttpRequest, dossier_id: int) -> Dossier:
    return dossier_of_applicant(signed_in_user(request), dossier_id)


@router.get("/", response=list[DossierOut], summary="我的申报材料")
def list_dossiers(request: HttpRequest) -> list[dict[str, Any]]:
    return [DossierOut.of(d) for d in dossiers_of_applicant(signed_in_user(request))]


@router.post("/", response={201: DossierOut, **ERRORS}, summary="新建申报材料")
def create_dossier(request: HttpRequest, payload: DossierCreateIn) -> Status[dict[str, Any]]:
    round_ = Round.objects.filter(slug=payload.round).first()
    if round_ is None:
        raise NotFound("没有这个评审批次。")
    dossier = services.dossier_create(
        actor=signed_in_user(request), round_=round_, level=payload.level, kind=payload.kind
    )
    return Status(201, DossierOut.of(dossier))


@router.get("/{dossier_id}", response={200: DossierDetailOut, **ERRORS}, summary="申报材料详情")
def get_dossier(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    dossier = _own(request, dossier_id)
    return {
        **DossierOut.of(dossier),
        "sections": section_data(dossier),
        "attachments": [AttachmentOut.of(a) for a in dossier.attachments.all()],
    }


@router.put("/{dossier_id}/sections/{key}", response={200: SectionOut, **ERRORS}, summary="保存栏目草稿")
def save_section(request: HttpRequest, dossier_id: int, key: str, payload: SectionIn) -> dict[str, Any]:
    if key not in SECTIONS:
        raise NotFound("没有这个栏目。")
    # The service reads the dossier itself (locked, and only the applicant's own: others are "not found").
    section = services.section_save(
        dossier_id=dossier_id,
        actor=signed_in_user(request),
        key=key,
        data=payload.data,
        expected_version=payload.expected_version,
    )
    return {"key": key, "data": section.data, "version": section.dossier.version}


@router.post(
    "/{dossier_id}/sections/{key}/attachments", response={201: AttachmentOut, **ERRORS}, summary="上传附件（JPG）"
)
def upload_attachment(
    request: HttpRequest, dossier_id: int, key: str, doc_type: Form[str], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    # The service reads the dossier itself (only the applicant's own: others are "not found").
    attachment = services.attachment_upload(
        dossier_id=dossier_id,
        actor=signed_in_user(request),
        section=key,
        doc_type=doc_type,
        upload=file,
        original_name=file.name or "",
    )
    return Status(201, AttachmentOut.of(attachment))


@router.delete("/attachments/{attachment_id}", response={204: None, **ERRORS}, summary="删除附件")
def delete_attachment(request: HttpRequest, attachment_id: int) -> Status[None]:
    services.attachment_delete(attachment_id=attachment_id, actor=signed_in_user(request))
    return Status(204, None)


@router.get("/{dossier_id}/completeness", response={200: CompletenessOut, **ERRORS}, summary="完整性检查")
def completeness(request: HttpRequest, dossier_id: int) -> dict[str, Any]:
    result = dossier_completeness(_own(request, dossier_id))
    return {"complete": result.complete, "sections": [s.as_dict() for s in result.sections]}
