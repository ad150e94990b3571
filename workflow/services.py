"""Review actions (writes): one function per action of the notice's chain, each a thin, typed wrapper
around workflow.engine.transition_apply, which locks, checks role, scope and window, and records.

unit: accept → publicity (≥ N working days, annex 1) → result (annex 2) → recommend with the fixed
opinion; county: accept → approve; prefecture: accept (评审委员会已接收材料); any level: return with
reasons per section and a 48-hour deadline; the system: abandon after the deadline, remind before it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, Role, User
from core.errors import DomainError, ErrorCode, Incomplete, ValidationFailed
from dossiers.access import require_role
from dossiers.models import Dossier
from dossiers.selectors import missing_unit_records
from rounds.workdays import publicity_end
from workflow.engine import at_last_submission, level_of_state, rule_for, transition_apply
from workflow.models import Publicity, Transition

logger = logging.getLogger(__name__)


class PublicityNotEnded(DomainError):
    code = ErrorCode.PUBLICITY_NOT_ENDED


# ---- simple forward moves ----------------------------------------------------------------------------


def _forward(
    *, dossier_id: int, action: str, actor: User, note: str = "", expected_version: int | None = None
) -> Dossier:
    dossier, _ = transition_apply(
        dossier_id=dossier_id, action=action, actor=actor, note=note, expected_version=expected_version
    )
    return dossier


def unit_accept(*, dossier_id: int, actor: User, expected_version: int | None = None) -> Dossier:
    """The unit takes a submitted dossier into review (推荐单位审核)."""
    return _forward(dossier_id=dossier_id, action="unit_accept", actor=actor, expected_version=expected_version)


def county_accept(*, dossier_id: int, actor: User, expected_version: int | None = None) -> Dossier:
    return _forward(dossier_id=dossier_id, action="county_accept", actor=actor, expected_version=expected_version)


def county_approve(*, dossier_id: int, actor: User, note: str = "", expected_version: int | None = None) -> Dossier:
    """The county passes the dossier on to the prefecture office (逐级报送)."""
    return _forward(
        dossier_id=dossier_id, action="county_approve", actor=actor, note=note, expected_version=expected_version
    )


def prefecture_accept(*, dossier_id: int, actor: User, note: str = "", expected_version: int | None = None) -> Dossier:
    """Formal review passed: the status becomes 评审委员会已接收材料 (notice 五(三))."""
    return _forward(
        dossier_id=dossier_id, action="prefecture_accept", actor=actor, note=note, expected_version=expected_version
    )


SIMPLE_ACTIONS = {
    "unit_accept": unit_accept,
    "county_accept": county_accept,
    "county_approve": county_approve,
    "prefecture_accept": prefecture_accept,
}


def bulk_apply(*, dossier_ids: Iterable[int], action: str, actor: User) -> tuple[list[Dossier], dict[int, DomainError]]:
    """Apply one simple action to several dossiers; each is its own transaction, so one refusal
    (e.g. another officer got there first) does not undo the others. Returns (done, refused by id)."""
    service = SIMPLE_ACTIONS.get(action)
    if service is None:
        raise ValidationFailed(f"“{action}”不能批量办理。", details={"action": action})
    done: list[Dossier] = []
    refused: dict[int, DomainError] = {}
    for dossier_id in dossier_ids:
        try:
            done.append(service(dossier_id=dossier_id, actor=actor))
        except DomainError as exc:
            refused[dossier_id] = exc
    return done, refused


# ---- unit publicity and recommendation ---------------------------------------------------------------


@transaction.atomic
def publicity_start(
    *,
    dossier_ids: Sequence[int],
    actor: User,
    start: dt.date,
    contact: str,
    working_days: int | None = None,
) -> Publicity:
    """Start one publicity (公示) for one or more dossiers of the same unit and round.

    The end is computed on the Chinese working-day calendar (notice 五(二): 不少于5个工作日); the
    推荐单位公示 (annex 1) is generated for each dossier. All dossiers move together or none does.
    """
    ids = list(dict.fromkeys(dossier_ids))
    if not ids:
        raise ValidationFailed("请至少选择一份申报材料。")
    contact = contact.strip()
    if not contact:
        raise ValidationFailed("请填写公示期间受理异议的联系人及电话。", details={"field": "contact"})
    dossiers = list(Dossier.objects.filter(pk__in=ids).select_related("round", "unit", "applicant"))
    if len(dossiers) != len(ids):
        raise ValidationFailed("所选申报材料中有不存在的记录。")
    units = {d.unit_id for d in dossiers}
    rounds = {d.round_id for d in dossiers}
    if len(units) != 1 or len(rounds) != 1:
        raise ValidationFailed("一次公示只能包含同一单位、同一批次的申报材料。")
    require_role(actor, Role.UNIT_REVIEWER, dossiers[0].unit)
    policy = dossiers[0].round.policy
    minimum = policy.publicity_min_working_days
    days = working_days or minimum
    if days < minimum:
        raise ValidationFailed(
            f"公示期不少于 {minimum} 个工作日（{policy.data['publicity']['min_working_days']['clause']}）。",
            details={"field": "working_days", "minimum": minimum},
        )
    for dossier in dossiers:
        submitted_on = timezone.localdate(dossier.submitted_at) if dossier.submitted_at else None
        if submitted_on and start < submitted_on:
            raise ValidationFailed(
                f"公示开始日期不能早于申报提交日期（{dossier.serial_number}：{submitted_on:%Y-%m-%d}）。",
                details={"field": "start"},
            )
    end = publicity_end(start, days)
    for dossier in dossiers:
        transition_apply(
            dossier_id=dossier.pk,
            action="start_publicity",
            actor=actor,
            note=f"公示期 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}（{days} 个工作日）",
        )
    publicity = Publicity.objects.create(
        round_id=dossiers[0].round_id,
        unit_id=dossiers[0].unit_id,
        start=start,
        end=end,
        working_days=days,
        contact=contact,
        created_by=actor,
    )
    publicity.dossiers.set(dossiers)
    from documents.services import publicity_notice_generate

    for dossier in dossiers:
        publicity_notice_generate(dossier=dossier, start=start, end=end, contact=contact, actor=actor)
    AuditEvent.objects.create(
        actor=actor,
        action="publicity_start",
        target=f"publicity:{publicity.pk}",
        extra={"dossiers": ids, "start": start.isoformat(), "end": end.isoformat(), "working_days": days},
    )
    return publicity


@transaction.atomic
def publicity_result_record(
    *,
    publicity_id: int,
    actor: User,
    objections: str = "",
    objection_upheld: bool = False,
    today: dt.date | None = None,
) -> Publicity:
    """Record the result once the publicity has ended and generate 公示结果 (annex 2) for each dossier.

    No objections text → 公示无异议. With objections, the unit states whether they were upheld; an
    upheld objection blocks recommendation (the unit then returns or keeps the dossier).
    """
    publicity = Publicity.objects.select_for_update().filter(pk=publicity_id).first()
    if publicity is None:
        raise ValidationFailed("未找到该公示。")
    require_role(actor, Role.UNIT_REVIEWER, publicity.unit)
    today = today or timezone.localdate()
    if not publicity.has_ended(today):
        raise PublicityNotEnded(
            f"公示期至 {publicity.end:%Y年%m月%d日} 结束，公示结束后才能记录公示结果。",
            details={"end": publicity.end.isoformat()},
        )
    if publicity.result != Publicity.Result.PENDING:
        raise ValidationFailed(f"该公示的结果已记录为“{publicity.get_result_display()}”。")
    objections = objections.strip()
    if not objections or objections == "无":
        publicity.objections = "无"
        publicity.result = Publicity.Result.NO_OBJECTION
    else:
        publicity.objections = objections
        publicity.result = (
            Publicity.Result.OBJECTION_UPHELD if objection_upheld else Publicity.Result.OBJECTION_UNFOUNDED
        )
    publicity.result_recorded_at = timezone.now()
    publicity.save(update_fields=["objections", "result", "result_recorded_at"])
    from documents.services import publicity_result_generate

    for dossier in publicity.dossiers.select_related("round", "unit", "applicant"):
        publicity_result_generate(
            dossier=dossier,
            start=publicity.start,
            end=publicity.end,
            working_days=publicity.working_days,
            objections=publicity.objections,
            actor=actor,
        )
    AuditEvent.objects.create(
        actor=actor,
        action="publicity_result",
        target=f"publicity:{publicity.pk}",
        extra={"result": publicity.result, "objections": publicity.objections},
    )
    return publicity


def current_publicity(dossier: Dossier) -> Publicity | None:
    return dossier.publicities.order_by("-start", "-id").first()


def recommend(
    *, dossier_id: int, actor: User, expected_version: int | None = None, today: dt.date | None = None
) -> Dossier:
    """同意推荐 with the notice's fixed opinion, only after the publicity ended without an upheld objection."""

    def guard(locked: Dossier) -> None:
        day = today or timezone.localdate()
        publicity = current_publicity(locked)
        if publicity is None:
            raise PublicityNotEnded("该申报尚未在单位内部公示，公示结束后方可推荐。")
        if not publicity.has_ended(day):
            raise PublicityNotEnded(
                f"公示期至 {publicity.end:%Y年%m月%d日} 结束（{publicity.working_days} 个工作日），"
                "公示结束后方可推荐。",
                details={"end": publicity.end.isoformat()},
            )
        if publicity.result == Publicity.Result.PENDING:
            raise PublicityNotEnded(
                "请先记录公示结果（有无异议），再填写推荐意见。", details={"publicity": publicity.pk}
            )
        if not publicity.allows_recommendation:
            raise ValidationFailed("公示异议经核实成立，不能推荐；请退回申报人或不予推荐。")
        missing = missing_unit_records(locked)
        if missing:
            raise Incomplete(
                "请先上传签字盖章的" + "、".join(missing) + "，再同意推荐（通知五(二)）。",
                details={"missing": missing},
            )

    dossier = Dossier.objects.select_related("round").get(pk=dossier_id)
    opinion = dossier.round.policy.text("recommendation_opinion")
    dossier, _ = transition_apply(
        dossier_id=dossier_id,
        action="recommend",
        actor=actor,
        note=opinion,
        expected_version=expected_version,
        guard=guard,
    )
    return dossier


def recommendation_opinion(dossier: Dossier) -> str | None:
    """The unit's recorded opinion (the note of its latest recommend transition)."""
    record = dossier.transitions.filter(action="recommend").order_by("-id").first()
    return record.note if record else None


# ---- returns, deadlines -------------------------------------------------------------------------------


def _clean_reasons(dossier: Dossier, reasons: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    titles = {s["key"]: s["title"] for s in dossier.round.policy.sections}
    cleaned: list[dict[str, str]] = []
    for item in reasons:
        section = str(item.get("section", "")).strip()
        reason = str(item.get("reason", "")).strip()
        if not reason:
            continue
        if section not in titles:
            raise ValidationFailed(f"未知的栏目“{section}”。", details={"field": "reasons", "section": section})
        cleaned.append({"section": section, "title": titles[section], "reason": reason})
    if not cleaned:
        raise ValidationFailed(
            "退回时须逐栏写明退回原因（一次性告知），至少填写一个栏目。", details={"field": "reasons"}
        )
    return cleaned


def dossier_return(
    *,
    dossier_id: int,
    actor: User,
    reasons: Iterable[dict[str, Any]],
    note: str = "",
    expected_version: int | None = None,
    confirm_final: bool = False,
) -> Dossier:
    """Return the dossier to the applicant with every reason at once, per section (一次性告知).

    The applicant has the policy's hours (48, notice 四(三)) to resubmit, after which it counts as abandoned.
    At the last allowed submission the return ends the application (the policy's `final_to` state, no
    deadline, no resubmission); the reviewer must confirm that first (`confirm_final`).
    """
    dossier = Dossier.objects.select_related("round").get(pk=dossier_id)
    cleaned = _clean_reasons(dossier, reasons)
    hours = dossier.round.policy.resubmit_within_hours

    def guard(locked: Dossier) -> None:
        if return_ends_application(locked) and not confirm_final:
            raise ValidationFailed(final_return_warning(locked), details={"field": "confirm_final"})

    def mutate(locked: Dossier) -> None:
        locked.returned_by_level = level_of_state(locked, locked.status) or ""
        final = return_ends_application(locked)
        locked.return_deadline = None if final else timezone.now() + dt.timedelta(hours=hours)
        locked.reminder_sent_at = None

    dossier, _ = transition_apply(
        dossier_id=dossier_id,
        action="return",
        actor=actor,
        reasons=cleaned,
        note=note.strip(),
        expected_version=expected_version,
        guard=guard,
        mutate=mutate,
    )
    return dossier


def return_ends_application(dossier: Dossier) -> bool:
    """Whether a return now ends the application: the dossier is at its last allowed submission and the
    policy names a final state for such a return (notice 四(三): 提交次数不得超过3次)."""
    rule = rule_for(dossier, "return")
    return rule.final_target is not None and at_last_submission(dossier)


def final_return_warning(dossier: Dossier) -> str:
    limit = dossier.round.policy.max_submissions
    return (
        f"该申报已提交 {dossier.submission_count} 次（每份最多 {limit} 次），此次退回将终止申报，"
        "申报人不能再修改提交。确认退回请勾选“确认终止申报”。"
    )


def dossier_abandon(*, dossier_id: int, now: dt.datetime | None = None) -> Dossier:
    """视为放弃: the system closes a returned dossier whose resubmission deadline has passed."""
    moment = now or timezone.now()

    def guard(locked: Dossier) -> None:
        if locked.return_deadline is None or locked.return_deadline > moment:
            raise ValidationFailed("修改期限未到，不能视为放弃。")

    hours = Dossier.objects.select_related("round").get(pk=dossier_id).round.policy.resubmit_within_hours
    dossier, _ = transition_apply(
        dossier_id=dossier_id,
        action="abandon",
        actor=None,
        guard=guard,
        note=f"退回后 {hours} 小时内未重新提交，视为放弃申报（通知四(三)）。",
    )
    return dossier


def return_deadlines_process(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """The scheduled sweep: abandon overdue returns, send each 12-hours-before reminder once."""
    moment = now or timezone.now()
    abandoned: list[int] = []
    for dossier_id in Dossier.objects.filter(status="returned", return_deadline__lt=moment).values_list(
        "pk", flat=True
    ):
        try:
            dossier_abandon(dossier_id=dossier_id, now=moment)
            abandoned.append(dossier_id)
        except DomainError as exc:  # resubmitted meanwhile: the lock showed the new state
            logger.info("dossier %s not abandoned: %s", dossier_id, exc.message)
    reminded: list[int] = []
    candidates = Dossier.objects.filter(
        status="returned", return_deadline__gte=moment, reminder_sent_at__isnull=True
    ).select_related("round")
    for dossier in candidates:
        hours_before = dossier.round.policy.submission_param("reminder_hours_before_deadline")
        assert dossier.return_deadline is not None  # the query above only selects dossiers with a deadline
        if dossier.return_deadline - dt.timedelta(hours=hours_before) > moment:
            continue
        # Claim the reminder with a conditional update, so two sweeps never both send it.
        if Dossier.objects.filter(pk=dossier.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=moment) != 1:
            continue
        from workflow.notifications import notify_return_reminder

        notify_return_reminder(dossier=dossier)
        reminded.append(dossier.pk)
    return {"abandoned": abandoned, "reminded": reminded}


def last_return(dossier: Dossier) -> Transition | None:
    return dossier.transitions.filter(action="return").order_by("-id").first()
