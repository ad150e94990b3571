"""Results publicity (≥ results_publicity_days Chinese working days, the same calendar as the unit
publicity), objections and their resolution, re-check (复查) requests within the period, and confirmation."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit
from committee.models import MeetingItem, Minutes, Objection, RecheckRequest, ResultsPublicity, VoteCount
from committee.permissions import require_office
from committee.stage import PASSED, VOTED
from core.errors import AlreadyRecorded, IllegalTransition, OutsideWindow, PermissionDenied, ValidationFailed
from dossiers.models import Dossier
from rounds.models import Round
from rounds.workdays import publicity_end


def results_publicity_end(round_: Round, starts_on: dt.date) -> dt.date:
    """Last day (inclusive) of the results publicity starting on `starts_on`."""
    return publicity_end(starts_on, int(round_.policy.committee_value("results_publicity_days")))


def results_publicity_start_check(actor: User | None, round_: Round) -> None:
    require_office(actor)
    if ResultsPublicity.objects.filter(round=round_, confirmed_at__isnull=True).exists():
        raise AlreadyRecorded("本批次已有进行中的评审结果公示。")
    counted = VoteCount.objects.filter(meeting__round=round_)
    if not counted.exists():
        raise IllegalTransition("本批次还没有表决结果，不能公示。")
    unsealed = MeetingItem.objects.filter(meeting__round=round_).exclude(meeting__in=Minutes.objects.values("meeting"))
    if unsealed.exists():
        raise IllegalTransition("请先封存评审会议纪要，再公示评审结果。")


@transaction.atomic
def results_publicity_start(*, actor: User, round_: Round, starts_on: dt.date) -> ResultsPublicity:
    results_publicity_start_check(actor, round_)
    publicity = ResultsPublicity.objects.create(
        round=round_, starts_on=starts_on, ends_on=results_publicity_end(round_, starts_on), published_by=actor
    )
    audit(
        actor,
        "results_publicity_started",
        publicity,
        starts_on=starts_on.isoformat(),
        ends_on=publicity.ends_on.isoformat(),
    )
    return publicity


def _require_during(publicity: ResultsPublicity, day: dt.date) -> None:
    if not publicity.starts_on <= day <= publicity.ends_on:
        raise OutsideWindow(
            f"评审结果公示期为 {publicity.starts_on:%Y-%m-%d}—{publicity.ends_on:%Y-%m-%d}，{day:%Y-%m-%d} 不在其内。"
        )


def objection_record_check(
    actor: User | None, publicity: ResultsPublicity, dossier: Dossier, *, received_on: dt.date
) -> None:
    require_office(actor, dossier)
    if dossier.round_id != publicity.round_id or dossier.status not in VOTED:
        raise ValidationFailed("该申报不在本次评审结果公示范围内。")
    _require_during(publicity, received_on)


@transaction.atomic
def objection_record(
    *,
    actor: User,
    publicity: ResultsPublicity,
    dossier: Dossier,
    received_on: dt.date,
    content: str,
    raised_by: str = "",
) -> Objection:
    objection_record_check(actor, publicity, dossier, received_on=received_on)
    if not content.strip():
        raise ValidationFailed("请填写异议内容。")
    objection = Objection.objects.create(
        publicity=publicity,
        dossier=dossier,
        received_on=received_on,
        content=content.strip(),
        raised_by=raised_by,
        recorded_by=actor,
    )
    audit(actor, "objection_recorded", objection, dossier=dossier.pk)
    return objection


def objection_resolve_check(actor: User | None, objection: Objection) -> None:
    require_office(actor, objection.dossier)
    if objection.resolved_at is not None:
        raise AlreadyRecorded("该异议已处理。")


@transaction.atomic
def objection_resolve(*, actor: User, objection: Objection, resolution: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("dossier").get(pk=objection.pk)
    objection_resolve_check(actor, objection)
    if not resolution.strip():
        raise ValidationFailed("请填写处理结果。")
    objection.resolution, objection.resolved_at, objection.resolved_by = resolution.strip(), timezone.now(), actor
    objection.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    audit(actor, "objection_resolved", objection, dossier=objection.dossier_id)
    return objection


def recheck_request_check(actor: User | None, publicity: ResultsPublicity, dossier: Dossier, *, today: dt.date) -> None:
    if actor is None or dossier.applicant_id != actor.pk:
        raise PermissionDenied("只有申报人本人可以申请复查。")
    if dossier.round_id != publicity.round_id or dossier.status not in VOTED:
        raise ValidationFailed("该申报不在本次评审结果公示范围内。")
    _require_during(publicity, today)
    if RecheckRequest.objects.filter(dossier=dossier, publicity=publicity).exists():
        raise AlreadyRecorded("您已申请过复查，请等待答复。")


@transaction.atomic
def recheck_request(
    *, actor: User, publicity: ResultsPublicity, dossier: Dossier, reason: str, today: dt.date | None = None
) -> RecheckRequest:
    recheck_request_check(actor, publicity, dossier, today=today or timezone.localdate())
    if not reason.strip():
        raise ValidationFailed("请写明复查理由。")
    request = RecheckRequest.objects.create(dossier=dossier, publicity=publicity, reason=reason.strip())
    audit(actor, "recheck_requested", request, dossier=dossier.pk)
    return request


def recheck_answer_check(actor: User | None, request: RecheckRequest) -> None:
    require_office(actor, request.dossier)
    if request.answered_at is not None:
        raise AlreadyRecorded("该复查申请已答复。")


@transaction.atomic
def recheck_answer(*, actor: User, request: RecheckRequest, answer: str) -> RecheckRequest:
    request = RecheckRequest.objects.select_for_update().select_related("dossier").get(pk=request.pk)
    recheck_answer_check(actor, request)
    if not answer.strip():
        raise ValidationFailed("请填写答复内容。")
    request.answer, request.answered_at, request.answered_by = answer.strip(), timezone.now(), actor
    request.save(update_fields=["answer", "answered_at", "answered_by"])
    audit(actor, "recheck_answered", request, dossier=request.dossier_id)
    return request


def results_confirm_check(actor: User | None, publicity: ResultsPublicity, *, today: dt.date) -> None:
    require_office(actor)
    if publicity.confirmed_at is not None:
        raise AlreadyRecorded("评审结果已确认。")
    if today <= publicity.ends_on:
        raise OutsideWindow(f"公示期至 {publicity.ends_on:%Y-%m-%d} 结束，结束后才能确认评审结果。")
    open_items = (
        publicity.objections.filter(resolved_at__isnull=True).count()
        + publicity.rechecks.filter(answered_at__isnull=True).count()
    )
    if open_items:
        raise IllegalTransition(f"还有 {open_items} 件异议或复查申请未处理，不能确认评审结果。")


@transaction.atomic
def results_confirm(*, actor: User, publicity: ResultsPublicity, today: dt.date | None = None) -> ResultsPublicity:
    publicity = ResultsPublicity.objects.select_for_update().get(pk=publicity.pk)
    results_confirm_check(actor, publicity, today=today or timezone.localdate())
    publicity.confirmed_at, publicity.confirmed_by = timezone.now(), actor
    publicity.save(update_fields=["confirmed_at", "confirmed_by"])
    passed = list(Dossier.objects.filter(round=publicity.round, status=PASSED).values_list("pk", flat=True))
    audit(actor, "results_confirmed", publicity, passed=passed)
    return publicity


def confirmed_publicity(dossier: Dossier) -> ResultsPublicity | None:
    return ResultsPublicity.objects.filter(round=dossier.round, confirmed_at__isnull=False).first()
