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
from dossiers.access import can_act_as
from dossiers.models import Dossier
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


def check_window(dossier: Dossier, window_key: str | None, *, today: dt.date | None = None) -> None:
    if not window_key:
        return
    window = dossier.round.policy.window(window_key)
    today = today or timezone.localdate()
    if not window.contains(today):
        raise OutsideWindow(f"当前不在{window.describe()}内，无法办理。", details={"window": window_key})


def available_actions(user: User | None, dossier: Dossier) -> list[TransitionRule]:
    """The transitions this user could take now (state, role and window all allow it)."""
    result = []
    for rule in transition_rules(dossier):
        if dossier.status not in rule.sources or rule.role == "system":
            continue
        if not can_act_as(user, role_for_rule(dossier, rule, dossier.status), dossier):
            continue
        try:
            check_window(dossier, rule.window)
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
            check_window(dossier, rule.window)
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
        to_state = resubmit_state(dossier) if rule.target == "resubmit_target" else rule.target
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
