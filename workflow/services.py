"""Review steps on more than one dossier (writes): the unit's publicity (公示, annexes 1-2) and the scheduled
sweep of return deadlines. Single-dossier steps (accept, recommend, return, abandon, submit) are actions of
workflow.actions, which check and execute them; these services move dossiers through the same actions.

unit: accept → publicity (≥ N working days, annex 1) → result (annex 2) → recommend with the fixed
opinion; county: accept → approve; prefecture: accept (评审委员会已接收材料); any level: return with
reasons per section and a 48-hour deadline; the system: abandon after the deadline, remind before it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import audit
from core.errors import DomainError, NotFound, ValidationFailed
from documents.services import publicity_notice_owe, publicity_result_owe
from dossiers.access import dossiers_in_scope_of_reviewer, require_role
from dossiers.models import Attachment, Dossier
from dossiers.states import RETURNED
from rounds.policy import clause_label
from rounds.workdays import publicity_end
from workflow.actions import PublicityNotEnded, act, dossier_action
from workflow.models import AttachmentCheck, Publicity, Transition
from workflow.notifications import notify_return_reminder

logger = logging.getLogger(__name__)

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
    推荐单位公示 (annex 1) is owed for each dossier and drawn after commit. All dossiers move together or none does.
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
        clause = clause_label(policy.data["publicity"]["min_working_days"]["clause"])
        raise ValidationFailed(
            f"公示期不少于 {minimum} 个工作日（{clause}）。",
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
        dossier_action(dossier, "start_publicity").transit(
            actor, dossier.pk, note=f"公示期 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}（{days} 个工作日）"
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
    for dossier in dossiers:
        # Owed, not written here: the file is drawn once this transaction has committed.
        publicity_notice_owe(dossier=dossier, start=start, end=end, contact=contact, actor=actor)
    audit(
        actor,
        "publicity_start",
        publicity,
        dossiers=ids,
        start=start.isoformat(),
        end=end.isoformat(),
        working_days=days,
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
    for dossier in publicity.dossiers.select_related("round", "unit", "applicant"):
        publicity_result_owe(
            dossier=dossier,
            start=publicity.start,
            end=publicity.end,
            working_days=publicity.working_days,
            objections=publicity.objections,
            actor=actor,
        )
    audit(actor, "publicity_result", publicity, result=publicity.result, objections=publicity.objections)
    return publicity


def recommendation_opinion(dossier: Dossier) -> str | None:
    """The unit's recorded opinion (the note of its latest recommend transition)."""
    record = dossier.transitions.filter(action="recommend").order_by("-id").first()
    return record.note if record else None


# ---- deadlines -----------------------------------------------------------------------------------------


def return_deadlines_process(*, now: dt.datetime | None = None) -> dict[str, list[int]]:
    """The scheduled sweep: abandon overdue returns, send each 12-hours-before reminder once."""
    moment = now or timezone.now()
    abandoned: list[int] = []
    for dossier_id in Dossier.objects.filter(status=RETURNED, return_deadline__lt=moment).values_list("pk", flat=True):
        try:
            act(actor=None, dossier_id=dossier_id, action="abandon", now=moment)
            abandoned.append(dossier_id)
        except DomainError as exc:  # resubmitted meanwhile: the lock showed the new state
            logger.info("dossier %s not abandoned: %s", dossier_id, exc.message)
    reminded: list[int] = []
    candidates = Dossier.objects.filter(
        status=RETURNED, return_deadline__gte=moment, reminder_sent_at__isnull=True
    ).select_related("round")
    for dossier in candidates:
        hours_before = dossier.round.policy.submission_param("reminder_hours_before_deadline")
        assert dossier.return_deadline is not None  # the query above only selects dossiers with a deadline
        if dossier.return_deadline - dt.timedelta(hours=hours_before) > moment:
            continue
        # Claim the reminder with a conditional update, so two sweeps never both send it; the claim and the
        # notification (with its outbox row) commit together, so a crash between them cannot lose the reminder.
        with transaction.atomic():
            claimed = Dossier.objects.filter(pk=dossier.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=moment
            )
            if claimed != 1:
                continue
            notify_return_reminder(dossier=dossier)
        reminded.append(dossier.pk)
    return {"abandoned": abandoned, "reminded": reminded}


def last_return(dossier: Dossier) -> Transition | None:
    return dossier.transitions.filter(action="return").order_by("-id").first()


# ---- the reviewer's per-attachment checklist -----------------------------------------------------------


def attachment_check_set(*, actor: User, attachment_id: int, checked: bool) -> bool:
    """Tick (or untick) one attachment on the actor's own checklist; only reviewers with the dossier in scope.

    Not a state change of the dossier: the tick is the reviewer's own note, kept per reviewer × attachment.
    """
    attachment = Attachment.objects.filter(pk=attachment_id, dossier__in=dossiers_in_scope_of_reviewer(actor)).first()
    if attachment is None:
        raise NotFound("未找到该附件。")
    if checked:
        AttachmentCheck.objects.update_or_create(reviewer=actor, attachment=attachment)
    else:
        AttachmentCheck.objects.filter(reviewer=actor, attachment=attachment).delete()
    return checked
