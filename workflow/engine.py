"""The state machine: one function changes a dossier's state, reading the transition table from the
round's policy. Atomic, permission-checked, locked against concurrent actors, audited; side effects
(notifications) are sent after commit through the `dossier_transitioned` signal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User
from core.errors import (
    ConcurrentUpdate,
    IllegalTransition,
    OutsideWindow,
    PermissionDenied,
    ReturnDeadlinePassed,
    SubmissionLimitReached,
)
from dossiers.access import can_act_as, next_review_level
from dossiers.models import Dossier
from rounds.workdays import add_working_days
from workflow.models import Transition

# Sent on commit with dossier, transition, actor.
dossier_transitioned = Signal()


@dataclass(frozen=True)
class TransitionRule:
    action: str
    sources: tuple[str, ...]
    target: str
    role: str
    window: str | None
    label: str
    # Submissions count towards the round's limit (notice 四(三): 提交次数不得超过3次).
    counts_submission: bool = False
    # When the window is checked: "now", or "return" — at the dossier's last return (a resubmission).
    window_at: str = "now"
    # The state entered instead of `target` when the dossier is at its last allowed submission (a return
    # that ends the application).
    final_target: str | None = None


def transition_rules(dossier: Dossier) -> list[TransitionRule]:
    return [
        TransitionRule(
            action=t["action"],
            sources=tuple(t["from"]),
            target=t["to"],
            role=t["role"],
            window=t.get("window"),
            label=t["label"],
            counts_submission=bool(t.get("counts_submission", False)),
            window_at=str(t.get("window_at", "now")),
            final_target=t.get("final_to"),
        )
        for t in dossier.round.policy.workflow["transitions"]
    ]


def rule_for(dossier: Dossier, action: str) -> TransitionRule:
    for rule in transition_rules(dossier):
        if rule.action == action:
            return rule
    raise IllegalTransition(f"本批次没有“{action}”这一操作。")


def level_of_state(dossier: Dossier, state: str) -> str | None:
    return dossier.round.policy.workflow.get("levels", {}).get(state)


def role_for_rule(dossier: Dossier, rule: TransitionRule, from_state: str) -> str:
    """Resolve the role that may take a transition; `reviewer_of_state` means the level now holding it."""
    if rule.role != "reviewer_of_state":
        return rule.role
    from dossiers.access import LEVEL_ROLES

    level = level_of_state(dossier, from_state)
    return str(LEVEL_ROLES[level]) if level in LEVEL_ROLES else "none"


def resubmit_state(dossier: Dossier) -> str:
    """Where a corrected dossier re-enters the chain (policy `workflow.resubmit_to`).

    `returning_level`: back to the level that returned it, then up level by level from there
    (修改后逐级提交, notice 四(三)); `unit`: always back to the start of the chain.
    """
    wf = dossier.round.policy.workflow
    states: dict[str, str] = wf["resubmit_states"]
    level = dossier.returned_by_level if wf.get("resubmit_to") == "returning_level" else "unit"
    return states.get(level or "unit", states["unit"])


def next_level_state(dossier: Dossier, from_state: str) -> str:
    """`next_level`: the state in which the next level on the dossier's route receives it (routing rule of
    dossiers.access: a 州直 unit's dossier goes from the unit straight to the prefecture)."""
    level = next_review_level(dossier, level_of_state(dossier, from_state))
    state = dossier.round.policy.workflow.get("resubmit_states", {}).get(level or "")
    if state is None:
        raise IllegalTransition("无法确定下一审核层级。", details={"status": from_state})
    return str(state)


def at_last_submission(dossier: Dossier) -> bool:
    return dossier.submission_count >= dossier.round.policy.max_submissions


def target_state(dossier: Dossier, rule: TransitionRule, from_state: str) -> str:
    if rule.final_target and at_last_submission(dossier):
        return rule.final_target
    if rule.target == "resubmit_target":
        return resubmit_state(dossier)
    if rule.target == "next_level":
        return next_level_state(dossier, from_state)
    return rule.target


def check_window(dossier: Dossier, window_key: str | None, *, today: dt.date | None = None) -> None:
    if not window_key:
        return
    window = dossier.round.policy.window(window_key)
    today = today or timezone.localdate()
    if not window.contains(today):
        raise OutsideWindow(f"当前不在{window.describe()}内，无法办理。", details={"window": window_key})


def in_review_grace(dossier: Dossier, today: dt.date) -> bool:
    """Within `review_grace_working_days` working days after a resubmission (notice 四(三), our reading): the
    level the corrected dossier returns to may act on it even when the review window has closed meanwhile."""
    if dossier.submission_count < 2 or dossier.submitted_at is None:
        return False
    days = dossier.round.policy.data["submission"].get("review_grace_working_days", {}).get("value", 0)
    if not days:
        return False
    resubmitted_on = timezone.localtime(dossier.submitted_at).date()
    return today <= add_working_days(resubmitted_on, int(days))


def check_rule_window(dossier: Dossier, rule: TransitionRule, *, today: dt.date | None = None) -> None:
    """The window of a transition, where the policy says it is measured: now (with the review grace after a
    resubmission), or at the dossier's last return (a resubmission: a return made inside the review window
    is answered within its deadline, even after online filing closed)."""
    today = today or timezone.localdate()
    if rule.window_at == "return":
        returned = dossier.transitions.filter(action="return").order_by("-id").first()
        moment = timezone.localtime(returned.created_at).date() if returned else today
        check_window(dossier, rule.window, today=moment)
        return
    try:
        check_window(dossier, rule.window, today=today)
    except OutsideWindow:
        if rule.window == "review" and in_review_grace(dossier, today):
            return
        raise


def available_actions(user: User | None, dossier: Dossier) -> list[TransitionRule]:
    """The transitions this user could take now (state, role and window all allow it)."""
    result = []
    for rule in transition_rules(dossier):
        if dossier.status not in rule.sources or rule.role == "system":
            continue
        if not can_act_as(user, role_for_rule(dossier, rule, dossier.status), dossier):
            continue
        try:
            check_rule_window(dossier, rule)
        except OutsideWindow:
            continue
        result.append(rule)
    return result


def transition_apply(
    *,
    dossier_id: int,
    action: str,
    actor: User | None,
    reasons: list[dict[str, str]] | None = None,
    note: str = "",
    expected_version: int | None = None,
    guard: Callable[[Dossier], None] | None = None,
    mutate: Callable[[Dossier], None] | None = None,
) -> tuple[Dossier, Transition]:
    """Apply `action` to a dossier.

    `guard` runs under the row lock and may raise a DomainError (e.g. completeness, publicity not
    ended); `mutate` adjusts other fields of the locked row before it is saved (e.g. the return
    deadline). The policy target `resubmit_target` resolves to `resubmit_state(dossier)`.
    """
    with transaction.atomic():
        # Lock the row: of two officers acting at once, the second waits, then sees the new state.
        dossier = Dossier.objects.select_for_update().select_related("round", "unit").get(pk=dossier_id)
        if expected_version is not None and dossier.version != expected_version:
            raise ConcurrentUpdate(
                f"该申报已被其他人处理（当前状态：{dossier.status_label}），请刷新页面后重试。",
                details={"status": dossier.status, "version": dossier.version},
            )
        rule = rule_for(dossier, action)
        from_state = dossier.status
        if from_state not in rule.sources:
            raise IllegalTransition(
                f"当前状态为“{dossier.status_label}”，不能执行“{rule.label}”。",
                details={"status": from_state, "action": action},
            )
        role = role_for_rule(dossier, rule, from_state)
        if rule.role == "system":
            if actor is not None and not actor.is_superuser:
                raise PermissionDenied("该操作只能由系统自动执行。")
        elif not can_act_as(actor, role, dossier):
            raise PermissionDenied("您无权对该申报执行此操作。")
        if rule.role != "system":
            check_rule_window(dossier, rule)
        now = timezone.now()
        if rule.counts_submission:
            limit = dossier.round.policy.max_submissions
            if dossier.submission_count >= limit:
                raise SubmissionLimitReached(
                    f"该申报已提交 {dossier.submission_count} 次，每份申报最多提交 {limit} 次，不能再次提交。",
                    details={"submission_count": dossier.submission_count, "limit": limit},
                )
            if from_state == "returned" and dossier.return_deadline and now > dossier.return_deadline:
                deadline = timezone.localtime(dossier.return_deadline)
                raise ReturnDeadlinePassed(
                    f"退回后须在 {dossier.round.policy.resubmit_within_hours} 小时内重新提交，"
                    f"截止时间 {deadline:%Y-%m-%d %H:%M} 已过，视为放弃申报。",
                    details={"return_deadline": dossier.return_deadline.isoformat()},
                )
        if guard is not None:
            guard(dossier)
        to_state = target_state(dossier, rule, from_state)
        if to_state not in dossier.round.policy.workflow["states"]:
            raise IllegalTransition(f"无法确定“{rule.label}”的目标状态。")
        if rule.counts_submission:
            # The corrected dossier is in: the return's clock stops (the returning level stays on record).
            dossier.return_deadline = None
            dossier.reminder_sent_at = None
        if mutate is not None:
            mutate(dossier)
        dossier.status = to_state
        dossier.version += 1
        dossier.save()
        record = Transition.objects.create(
            dossier=dossier,
            actor=actor,
            actor_role=role if rule.role != "system" else "system",
            action=action,
            from_state=from_state,
            to_state=to_state,
            reasons=reasons or [],
            note=note,
            submission_number=dossier.submission_count,
        )
        transaction.on_commit(
            lambda: dossier_transitioned.send(sender=Transition, dossier=dossier, transition=record, actor=actor)
        )
    return dossier, record
