"""Review steps over JSON: queues, history, publicities, bulk (mounted at /api/workflow/) and every step of
a dossier through one route, POST /api/dossiers/{id}/actions/{action} (`dossier_actions_router`). Same
actions, same checks as the pages; refusals come back as {"code", "message", "details"} (core.api_errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Router, Schema

from accounts.auth import signed_in_user
from dossiers.access import dossiers_in_scope_of_reviewer
from dossiers.models import Dossier
from workflow import actions, selectors, services
from workflow.models import Publicity
from workflow.notifications import notifications_mark_read

router = Router(tags=["workflow"])


class DossierStateOut(Schema):
    id: int
    serial_number: str
    status: str
    status_label: str
    version: int
    submission_count: int
    returned_by_level: str
    return_deadline: dt.datetime | None

    @staticmethod
    def from_dossier(dossier: Dossier) -> DossierStateOut:
        # The model's own typed values: nothing to validate (through ninja's getter, validating a queue page's
        # rows was a fifth of its request).
        return DossierStateOut.model_construct(
            id=dossier.pk,
            serial_number=dossier.serial_number,
            status=dossier.status,
            status_label=dossier.status_label,
            version=dossier.version,
            submission_count=dossier.submission_count,
            returned_by_level=dossier.returned_by_level,
            return_deadline=dossier.return_deadline,
        )


class ReasonIn(Schema):
    section: str
    reason: str


class ActionIn(Schema):
    """The input of any step; each action reads what it needs (a return its reasons, a publicity its dates)."""

    expected_version: int | None = None
    note: str = ""
    reasons: list[ReasonIn] = []
    # 开始单位公示 on this one dossier (several at once: POST /publicities).
    start: dt.date | None = None
    contact: str = ""
    working_days: int | None = None
    # A return at the last allowed submission ends the application: the reviewer confirms it (issue 10).
    confirm_final: bool = False


class QueueRowOut(Schema):
    dossier: DossierStateOut
    applicant: str
    unit: str
    level: str
    kind: str
    waiting_level: str | None
    days_left: int | None
    deadline_label: str


class TransitionOut(Schema):
    action: str
    from_state: str
    to_state: str
    actor: str | None
    actor_role: str
    reasons: list[dict]
    note: str
    submission_number: int
    created_at: dt.datetime


class PublicityIn(Schema):
    dossier_ids: list[int]
    start: dt.date
    contact: str
    working_days: int | None = None


class PublicityResultIn(Schema):
    objections: str = ""
    objection_upheld: bool = False


class PublicityOut(Schema):
    id: int
    unit: str
    start: dt.date
    end: dt.date
    working_days: int
    result: str
    objections: str
    dossier_ids: list[int]

    @staticmethod
    def from_publicity(p: Publicity) -> PublicityOut:
        return PublicityOut(
            id=p.pk,
            unit=p.unit.name,
            start=p.start,
            end=p.end,
            working_days=p.working_days,
            result=p.result,
            objections=p.objections,
            dossier_ids=sorted(p.dossiers.values_list("pk", flat=True)),
        )


class BulkIn(Schema):
    action: str
    dossier_ids: list[int]


class BulkOut(Schema):
    done: list[DossierStateOut]
    refused: dict[int, dict]


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    dossier_id: int | None
    read: bool
    created_at: dt.datetime


def _dossier(request: HttpRequest, dossier_id: int) -> Dossier:
    # 404 for a dossier outside the caller's scope: its existence is not confirmed.
    return selectors.reviewer_dossier(signed_in_user(request), dossier_id)


class QueuePageOut(Schema):
    """One page of the queue: its rows under `items`, with the paging around them."""

    items: list[QueueRowOut]
    count: int  # rows of the whole queue (every page) under these filters
    page: int
    pages: int
    limit: int


@router.get("/queue", response=QueuePageOut, summary="审核队列（按角色与辖区，分页）")
def queue(
    request: HttpRequest,
    status: str = "",
    unit: str = "",
    level: str = "",
    kind: str = "",
    days_left: int | None = None,
    all: bool = False,
    page: int = 1,
    limit: int = selectors.QUEUE_PAGE_SIZE,
) -> QueuePageOut:
    """`limit` rows a page (at most 200); a page past the end answers the last page."""
    filters = selectors.QueueFilters(
        status=status, unit=unit, level=level, kind=kind, days_left=days_left, mine=not all
    )
    found = selectors.queue_page(signed_in_user(request), filters, page=page, limit=limit)
    # Built, not validated, as DossierStateOut.from_dossier: the selector's typed values.
    return QueuePageOut.model_construct(
        items=[
            QueueRowOut.model_construct(
                dossier=DossierStateOut.from_dossier(r.dossier),
                applicant=r.dossier.applicant.display_name,
                unit=r.dossier.unit.name,
                level=r.dossier.level,
                kind=r.dossier.kind,
                waiting_level=r.waiting_level,
                days_left=r.days_left,
                deadline_label=r.deadline_label,
            )
            for r in found.rows
        ],
        count=found.count,
        page=found.page.number,
        pages=found.page.paginator.num_pages,
        limit=found.page.paginator.per_page,
    )


@router.get("/dossiers/{dossier_id}/history", response=list[TransitionOut], summary="流转记录")
def history(request: HttpRequest, dossier_id: int) -> list[TransitionOut]:
    dossier = _dossier(request, dossier_id)
    records = selectors.dossier_history(dossier)
    return [
        TransitionOut(
            action=t.action,
            from_state=t.from_state,
            to_state=t.to_state,
            actor=t.actor.display_name if t.actor else None,
            actor_role=t.actor_role,
            reasons=t.reasons,
            note=t.note,
            submission_number=t.submission_number,
            created_at=t.created_at,
        )
        for t in records
    ]


# Steps on a dossier live under the dossier (mounted at /api/dossiers/ beside the dossiers app's router).
dossier_actions_router = Router(tags=["workflow"])


@dossier_actions_router.get("/{dossier_id}/actions", response=list[str], summary="当前用户可执行的操作")
def available(request: HttpRequest, dossier_id: int) -> list[str]:
    """Exactly the steps POST …/actions/{action} would accept now (each action's check() passes)."""
    return selectors.dossier_actions(signed_in_user(request), _dossier(request, dossier_id))


@dossier_actions_router.post(
    "/{dossier_id}/actions/{action}",
    response=DossierStateOut,
    summary="办理一个环节（开始审核、同意推荐、报送、接收、退回……，见 /actions）",
)
def dossier_act(request: HttpRequest, dossier_id: int, action: str, payload: ActionIn) -> DossierStateOut:
    """One step of the round's chain by name. The action checks role, state, window, version and its own
    conditions; a refusal is a DomainError the API answers with."""
    dossier = _dossier(request, dossier_id)
    params: dict[str, Any] = {"version": payload.expected_version, "note": payload.note}
    if action == "return":
        params["reasons"] = [r.dict() for r in payload.reasons]
        params["confirm_final"] = payload.confirm_final
    if action == "start_publicity":
        params.update(start=payload.start, contact=payload.contact, working_days=payload.working_days)
    done = actions.act(actor=signed_in_user(request), dossier_id=dossier.pk, action=action, **params)
    return DossierStateOut.from_dossier(done)


@router.post("/bulk", response=BulkOut, summary="批量办理（开始审核、报送、接收）")
def bulk(request: HttpRequest, payload: BulkIn) -> BulkOut:
    user = signed_in_user(request)
    visible = set(dossiers_in_scope_of_reviewer(user).filter(pk__in=payload.dossier_ids).values_list("pk", flat=True))
    done, refused = actions.bulk_act(
        dossier_ids=[i for i in payload.dossier_ids if i in visible],
        action=payload.action,
        actor=user,
    )
    refused_out = {i: exc.as_dict() for i, exc in refused.items()}
    for i in payload.dossier_ids:
        if i not in visible:
            refused_out[i] = {"code": "not_found", "message": "未找到该申报材料，或您无权查看。", "details": None}
    return BulkOut(done=[DossierStateOut.from_dossier(d) for d in done], refused=refused_out)


@router.post("/publicities", response=PublicityOut, summary="开始单位公示（一份或多份申报）")
def publicity_start(request: HttpRequest, payload: PublicityIn) -> PublicityOut:
    for dossier_id in payload.dossier_ids:
        _dossier(request, dossier_id)
    publicity = services.publicity_start(
        dossier_ids=payload.dossier_ids,
        actor=signed_in_user(request),
        start=payload.start,
        contact=payload.contact,
        working_days=payload.working_days,
    )
    return PublicityOut.from_publicity(publicity)


@router.get("/publicities/{publicity_id}", response=PublicityOut, summary="单位公示")
def publicity_get(request: HttpRequest, publicity_id: int) -> PublicityOut:
    return PublicityOut.from_publicity(selectors.publicity_for_reviewer(signed_in_user(request), publicity_id))


@router.post("/publicities/{publicity_id}/result", response=PublicityOut, summary="记录公示结果（公示结束后）")
def publicity_result(request: HttpRequest, publicity_id: int, payload: PublicityResultIn) -> PublicityOut:
    user = signed_in_user(request)
    publicity = selectors.publicity_for_reviewer(user, publicity_id)
    publicity = services.publicity_result_record(
        publicity_id=publicity.pk,
        actor=user,
        objections=payload.objections,
        objection_upheld=payload.objection_upheld,
    )
    return PublicityOut.from_publicity(publicity)


@router.get("/notifications", response=list[NotificationOut], summary="我的通知")
def notifications(
    request: HttpRequest, unread: bool = False, page: int = 1, limit: int = selectors.QUEUE_MAX_PAGE_SIZE
) -> list[NotificationOut]:
    """Newest first, `limit` a page (at most 200): ?page=2 for the ones before; a page past the end answers the
    last page."""
    qs = selectors.notifications_of(signed_in_user(request))
    if unread:
        qs = qs.filter(read_at__isnull=True)
    return [
        NotificationOut(
            id=n.pk,
            kind=n.kind,
            title=n.title,
            body=n.body,
            url=n.url,
            dossier_id=n.dossier_id,
            read=n.read_at is not None,
            created_at=n.created_at,
        )
        for n in Paginator(qs, selectors.page_limit(limit)).get_page(page).object_list
    ]


class NotificationReadOut(Schema):
    updated: int


@router.post("/notifications/{notification_id}/read", response=NotificationReadOut, summary="标为已读")
def notification_read(request: HttpRequest, notification_id: int) -> NotificationReadOut:
    return NotificationReadOut(
        updated=notifications_mark_read(user=signed_in_user(request), notification_id=notification_id)
    )
