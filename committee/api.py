"""Committee API (the experts' blind review is committee.api_review). The office's endpoints read the
round's board and run any committee step of the action registry by name (the same `committee_act` the pages
post to), answering refusals with the typed error body."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from accounts.auth import signed_in_user
from committee.actions import committee_act
from committee.certificates import certificate_by_number
from committee.models import FeeImport
from committee.office import BOARD_PAGE_SIZE, BoardFilters, board_page, board_summary, office_rounds
from committee.permissions import require_office
from committee.stage import CERTIFIED
from core.errors import NotFound, ValidationFailed
from documents.selectors import mask_name

router = Router(tags=["committee"])


# ---- the prefecture office ------------------------------------------------------------------------------


class BoardRowOut(Schema):
    dossier_id: int
    serial_number: str
    applicant: str
    unit: str
    level: str
    kind: str
    status: str
    fee_yuan: int | None
    fee_paid: bool
    paper_received: dt.date | None
    defence: str
    defence_score: str | None
    groups: list[str]
    yes: int | None
    present: int | None
    certificate: str | None
    step: str
    overdue: list[str]


class BoardPageOut(Schema):
    """One page of the board: its rows under `items`, with the paging around them."""

    items: list[BoardRowOut]
    count: int  # rows of the whole board (every page) under these filters
    page: int
    pages: int
    limit: int
    steps: dict[str, int]  # every step of the round's board → how many dossiers are at it (not only this page)


@router.get(
    "/office/rounds/{slug}/board", response=BoardPageOut, summary="评审阶段总览（每份申报所处环节与逾期事项，分页）"
)
def board(
    request: HttpRequest,
    slug: str,
    step: str = "",
    overdue: bool = False,
    unit: str = "",
    page: int = 1,
    limit: int = BOARD_PAGE_SIZE,
) -> BoardPageOut:
    """`limit` rows a page (at most 200); a page past the end answers the last page."""
    user = require_office(signed_in_user(request))
    round_ = office_rounds(user).filter(slug=slug).first()
    if round_ is None:
        raise NotFound("未找到该评审批次。")
    summary = board_summary(user, round_)
    found = board_page(
        user, round_, BoardFilters(step=step, overdue=overdue, unit=unit), page=page, limit=limit, summary=summary
    )
    return BoardPageOut(
        items=[
            BoardRowOut(
                dossier_id=r.dossier.pk,
                serial_number=r.dossier.serial_number,
                applicant=r.applicant,
                unit=r.dossier.unit.name,
                level=r.dossier.level_label,
                kind=r.dossier.kind_label,
                status=r.dossier.status,
                fee_yuan=r.fee.amount_yuan if r.fee else None,
                fee_paid=bool(r.fee and r.fee.is_paid),
                paper_received=r.paper_received,
                defence=r.requirement,
                defence_score=str(r.outcome.score) if r.outcome and r.outcome.score is not None else None,
                groups=r.groups,
                yes=r.count.yes if r.count else None,
                present=r.count.present if r.count else None,
                certificate=r.certificate.number if r.certificate else None,
                step=r.step,
                overdue=r.overdue,
            )
            for r in found.rows
        ],
        count=found.page.paginator.count,
        page=found.page.number,
        pages=found.page.paginator.num_pages,
        limit=found.page.paginator.per_page,
        steps=summary.steps,
    )


class StepIn(Schema):
    # The step's input: dates as YYYY-MM-DD under paid_on / received_on / held_on / starts_on; lists of ids
    # under dossiers / panel / present; the defence sheet under items.
    params: dict[str, Any] = {}


class StepOut(Schema):
    action: str
    subject: str
    id: str | None


DATE_PARAMS = ("paid_on", "received_on", "held_on", "starts_on")


def _step_params(raw: dict[str, Any]) -> dict[str, Any]:
    params = dict(raw)
    for key in DATE_PARAMS:
        if key in params:
            try:
                params[key] = dt.date.fromisoformat(str(params[key]))
            except ValueError as exc:
                raise ValidationFailed("日期格式不正确（YYYY-MM-DD）。", details={"field": key}) from exc
    params.pop("data", None)  # files come through the import endpoint
    return params


@router.post(
    "/steps/{subject}/{subject_id}/{action}",
    response=StepOut,
    summary="办理评审委员会的一个事项（缴费登记、抽取、出席、投票、计票、封存纪要、公示……）",
)
def step(request: HttpRequest, subject: str, subject_id: int, action: str, payload: StepIn) -> StepOut:
    result = committee_act(
        actor=signed_in_user(request),
        subject=subject,
        subject_id=subject_id,
        action=action,
        **_step_params(payload.params),
    )
    return StepOut(action=action, subject=subject, id=str(result.pk) if hasattr(result, "pk") else None)


class ImportRowOut(Schema):
    row_number: int
    serial: str
    id_number: str
    outcome: str
    outcome_label: str
    dossier: str | None


class FeeImportOut(Schema):
    id: int
    file_name: str
    applied: int
    already_paid: int
    mismatched: int
    rows: list[ImportRowOut]


@router.post(
    "/office/rounds/{round_id}/fee-imports", response=FeeImportOut, summary="导入银行/缴费平台缴费清单（XLSX）"
)
def fee_import(request: HttpRequest, round_id: int, file: UploadedFile = File(...)) -> FeeImportOut:  # noqa: B008
    record: FeeImport = committee_act(
        actor=signed_in_user(request),
        subject="round",
        subject_id=round_id,
        action="fee_import",
        file_name=file.name or "upload.xlsx",
        data=file.read(),
    )
    return FeeImportOut(
        id=record.pk,
        file_name=record.file_name,
        applied=record.applied,
        already_paid=record.already_paid,
        mismatched=record.mismatched,
        rows=[
            ImportRowOut(
                row_number=r.row_number,
                serial=r.serial,
                id_number=r.id_number,
                outcome=r.outcome,
                outcome_label=r.get_outcome_display(),
                dossier=r.fee.dossier.serial_number if r.fee else None,
            )
            for r in record.rows.select_related("fee__dossier")
        ],
    )


class CertificateOut(Schema):
    number: str
    holder: str
    level: str
    round: str
    issued_on: dt.date
    valid: bool
    verify_url: str


@router.get("/certificates/{number}", response=CertificateOut, summary="电子证书查询（公开，按证书编号）", auth=None)
def certificate(request: HttpRequest, number: str) -> CertificateOut:
    found = certificate_by_number(number)
    dossier = found.dossier
    return CertificateOut(
        number=found.number,
        holder=mask_name(dossier.applicant.display_name),
        level=dossier.level_label,
        round=dossier.round.name,
        issued_on=found.issued_on,
        valid=dossier.status == CERTIFIED,
        verify_url=reverse("documents:verify", args=[found.verification_code]),
    )
