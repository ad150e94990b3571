"""Actions: every step of a round as an object with `check()` and `execute()` — the one place that decides
what may happen and the one place that does it (the shape of Wagtail's action objects; one transaction,
one record, side effects on commit as in Zulip's actions).

- `Action[S]` is a named step on a subject of type `S` (`subject` names the model). `check(actor, subject,
  **params)` returns or raises the typed DomainError with its Chinese message; called alone (no params) it
  answers "may this actor take this step now?" and draws buttons and bulk menus; with params it also
  validates the input. `execute(actor, subject_id, **params)` locks the subject, calls `check()` under the
  lock, writes, records and sends side effects on commit. A page therefore offers exactly what execute()
  accepts.
- `DossierAction` is one row of the round's policy (`workflow.transitions`: action, from, to, role, window,
  label). Its subclasses add what the notice asks of that step: completeness and eligibility before a
  submission (`SubmitAction`), an ended publicity before 同意推荐 (`RecommendAction`), reasons per section
  for a return (`ReturnAction`), the passed deadline for 视为放弃 (`AbandonAction`).
- The registry: `dossier_actions(dossier)` builds the actions of the dossier's round from its policy (the
  row's `action` picks its class in `ACTION_CLASSES`, default a plain move); `dossier_action(dossier, name)`
  one of them; `available_actions(actor, dossier)` those whose check passes; `act()` and `bulk_act()` the
  entry points of pages and API.

A new dossier step is a policy row (plus, if it needs more than state, role and window, a `DossierAction`
subclass in `ACTION_CLASSES`). A step on a round or a meeting (an import, a draw, sealing minutes, fees,
defence, vote, results) subclasses `Action[Round]` / `Action[Meeting]` with its own `subject`, `check` and
`execute`, and is registered with `register()` under its subject.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.db import models, transaction
from django.db.models import Prefetch
from django.dispatch import Signal
from django.utils import timezone

from accounts.models import User
from core.errors import (
    ConcurrentUpdate,
    DomainError,
    ErrorCode,
    IllegalTransition,
    Incomplete,
    Ineligible,
    NotFound,
    OutsideWindow,
    PermissionDenied,
    ReturnDeadlinePassed,
    SubmissionLimitReached,
    ValidationFailed,
)
from core.prefetch import prefetched
from dossiers.access import LEVEL_ROLES, can_act_as, next_review_level, roles_remembered
from dossiers.models import Dossier, Submission
from dossiers.selectors import dossier_completeness, missing_unit_records
from dossiers.services import dossier_snapshot, require_editable
from dossiers.states import RETURNED
from eligibility.selectors import dossier_self_check
from rounds.workdays import add_working_days
from workflow.models import Publicity, Transition

# Sent on commit with dossier, transition, actor.
dossier_transitioned = Signal()

# state → writes made in the move's own transaction when a dossier enters it (an app registers its own at
# ready(), e.g. the committee draws up the fee when it receives a dossier): the move and what it entails
# commit together, and no page has to create them later.
StateEntered = Callable[[Dossier, Transition], None]
ON_ENTERING: dict[str, list[StateEntered]] = {}


def on_entering(state: str, effect: StateEntered) -> None:
    if effect not in ON_ENTERING.setdefault(state, []):
        ON_ENTERING[state].append(effect)


S = TypeVar("S", bound=models.Model)


class PublicityNotEnded(DomainError):
    code = ErrorCode.PUBLICITY_NOT_ENDED


# ---- the generic shape ----------------------------------------------------------------------------------


class Action(Generic[S]):
    """A named step on one subject. Subclasses set `subject` and implement `check` and `execute`."""

    subject: ClassVar[type[models.Model]]
    name: str = ""
    label: str = ""

    def check(self, actor: User | None, subject: S, **params: Any) -> None:
        raise NotImplementedError

    def execute(self, actor: User | None, subject_id: int, **params: Any) -> S:
        raise NotImplementedError

    def allows(self, actor: User | None, subject: S) -> bool:
        """Whether a page should offer this step to this actor now (check() alone, without input)."""
        try:
            self.check(actor, subject)
        except DomainError:
            return False
        return True


# Steps on subjects other than a dossier (round, meeting, …), by subject model and name.
SUBJECT_ACTIONS: dict[type[models.Model], dict[str, Action[Any]]] = {}


def register(action: Action[Any]) -> Action[Any]:
    """Add a step on a non-dossier subject (dossier steps come from the round's policy)."""
    SUBJECT_ACTIONS.setdefault(action.subject, {})[action.name] = action
    return action


# ---- dossier steps: rows of the round's policy -----------------------------------------------------------


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


def level_of_state(dossier: Dossier, state: str) -> str | None:
    return dossier.round.policy.workflow.get("levels", {}).get(state)


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
    """Where a row leads this dossier: `final_to` at its last allowed submission, the re-entry state after a
    return (`resubmit_target`), the next level on its route (`next_level`), or the row's own target."""
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
    """The window of a row, where the policy says it is measured: now (with the review grace after a
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


def _locked(dossier_id: int) -> Dossier:
    # Lock the row: of two officers acting at once, the second waits, then sees the new state. Only the dossier's
    # row (OF self): PostgreSQL's FOR UPDATE would otherwise lock the joined round and unit rows too, and every
    # action in a round would wait for the one before it.
    return Dossier.objects.select_for_update(of=("self",)).select_related("round", "unit").get(pk=dossier_id)


class DossierAction(Action[Dossier]):
    """One policy row: state, role (scoped to the dossier's chain) and window; subclasses add the rest."""

    subject = Dossier
    # How a page offers it: "" is a plain button; otherwise the name of the step's own form.
    form: ClassVar[str] = ""
    # Whether the queue may apply it to several dossiers at once (those with a form open that form).
    bulk: ClassVar[bool] = True
    # Whether it needs input only its own form asks for (dates, reasons): then bulk_act() refuses it.
    needs_input: ClassVar[bool] = False

    def __init__(self, rule: TransitionRule) -> None:
        self.rule = rule
        self.name = rule.action
        self.label = rule.label

    def role(self, dossier: Dossier) -> str:
        """The role that may take it; `reviewer_of_state` means the level now holding the dossier."""
        if self.rule.role != "reviewer_of_state":
            return self.rule.role
        level = level_of_state(dossier, dossier.status)
        return str(LEVEL_ROLES[level]) if level in LEVEL_ROLES else "none"

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        if subject.status not in self.rule.sources:
            raise IllegalTransition(
                f"当前状态为“{subject.status_label}”，不能执行“{self.label}”。",
                details={"status": subject.status, "action": self.name},
            )
        if self.rule.role == "system":
            if actor is not None and not actor.is_superuser:
                raise PermissionDenied("该操作只能由系统自动执行。")
            return  # the system acts whenever its clock says so, windows do not apply
        if not can_act_as(actor, self.role(subject), subject):
            raise PermissionDenied("您无权对该申报执行此操作。")
        check_rule_window(subject, self.rule)

    def target(self, dossier: Dossier) -> str:
        to_state = target_state(dossier, self.rule, dossier.status)
        if to_state not in dossier.round.policy.workflow["states"]:
            raise IllegalTransition(f"无法确定“{self.label}”的目标状态。")
        return to_state

    def apply(self, dossier: Dossier, **params: Any) -> None:
        """Adjust other fields of the locked row before it is saved (none for a plain move)."""

    def note(self, dossier: Dossier, **params: Any) -> str:
        return str(params.get("note") or "").strip()

    def reasons(self, dossier: Dossier, **params: Any) -> list[dict[str, str]]:
        return []

    def after(self, actor: User | None, dossier: Dossier, record: Transition) -> None:
        """Further writes in the same transaction once the move is recorded (none for a plain move)."""

    def execute(self, actor: User | None, subject_id: int, **params: Any) -> Dossier:
        return self.transit(actor, subject_id, **params)

    def transit(self, actor: User | None, dossier_id: int, *, version: int | None = None, **params: Any) -> Dossier:
        """Lock, check under the lock, write state and version, record the Transition, notify on commit."""
        with transaction.atomic():
            dossier = _locked(dossier_id)
            if version is not None and dossier.version != version:
                raise ConcurrentUpdate(
                    f"该申报已被其他人处理（当前状态：{dossier.status_label}），请刷新页面后重试。",
                    details={"status": dossier.status, "version": dossier.version},
                )
            self.check(actor, dossier, **params)
            from_state, to_state = dossier.status, self.target(dossier)
            self.apply(dossier, **params)
            record = record_transition(
                dossier,
                action=self.name,
                actor=actor,
                actor_role="system" if self.rule.role == "system" else self.role(dossier),
                to_state=to_state,
                from_state=from_state,
                reasons=self.reasons(dossier, **params),
                note=self.note(dossier, **params),
            )
            self.after(actor, dossier, record)
        return dossier


def record_transition(
    dossier: Dossier,
    *,
    action: str,
    actor: User | None,
    actor_role: str,
    from_state: str,
    to_state: str,
    reasons: list[dict[str, str]] | None = None,
    note: str = "",
) -> Transition:
    """The write half of every move, on a row the caller has locked and checked: state, version, the
    Transition record (who, when, from, to, why) and the notification on commit."""
    dossier.status = to_state
    dossier.version += 1
    dossier.save()
    record = Transition.objects.create(
        dossier=dossier,
        actor=actor,
        actor_role=actor_role,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reasons=reasons or [],
        note=note,
        submission_number=dossier.submission_count,
    )
    for effect in ON_ENTERING.get(to_state, []):
        effect(dossier, record)
    transaction.on_commit(
        lambda: dossier_transitioned.send(sender=Transition, dossier=dossier, transition=record, actor=actor)
    )
    return record


# ---- the steps that ask for more than state, role and window ---------------------------------------------


class SubmitAction(DossierAction):
    """提交 / 修改后重新提交: the applicant's own, editable, complete, eligible dossier, inside the filing window,
    at most `max_submissions` times, and after a return only within its deadline (notice 四(三))."""

    form = "submit"
    bulk = False

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        self.check_turn(actor, subject)
        self.check_content(subject)

    def check_turn(self, actor: User | None, subject: Dossier) -> None:
        """Whether this applicant may submit this dossier now, whatever it contains."""
        if actor is None or not actor.is_authenticated or subject.applicant_id != actor.pk:
            raise NotFound("未找到该申报材料。")  # someone else's dossier: its existence is not confirmed
        require_editable(subject)
        super().check(actor, subject)
        limit = subject.round.policy.max_submissions
        if subject.submission_count >= limit:
            raise SubmissionLimitReached(
                f"该申报已提交 {subject.submission_count} 次，每份申报最多提交 {limit} 次，不能再次提交。",
                details={"submission_count": subject.submission_count, "limit": limit},
            )
        if subject.status == RETURNED and subject.return_deadline and timezone.now() > subject.return_deadline:
            deadline = timezone.localtime(subject.return_deadline)
            raise ReturnDeadlinePassed(
                f"退回后须在 {subject.round.policy.resubmit_within_hours} 小时内重新提交，"
                f"截止时间 {deadline:%Y-%m-%d %H:%M} 已过，视为放弃申报。",
                details={"return_deadline": subject.return_deadline.isoformat()},
            )

    def check_content(self, subject: Dossier) -> None:
        """Complete (all 15 sections, masking confirmed) and no hard eligibility failure."""
        completeness = dossier_completeness(subject)
        if not completeness.complete:
            missing = [s for s in completeness.sections if not s.ok]
            raise Incomplete(
                "申报材料尚不完整，不能提交：" + "；".join(f"{s.title}（{'、'.join(s.missing)}）" for s in missing),
                details={"sections": {s.key: s.missing for s in missing}},
            )
        failures = [str(getattr(f, "reason", f)) for f in dossier_self_check(subject).hard_failures]
        if failures:
            raise Ineligible("不符合申报条件，不能提交：" + "；".join(failures), details={"reasons": failures})

    def apply(self, dossier: Dossier, **params: Any) -> None:
        dossier.submission_count += 1
        dossier.submitted_at = timezone.now()
        # The corrected dossier is in: the return's clock stops (the returning level stays on record).
        dossier.return_deadline = None
        dossier.reminder_sent_at = None

    def note(self, dossier: Dossier, **params: Any) -> str:
        return f"第 {dossier.submission_count} 次提交"

    def after(self, actor: User | None, dossier: Dossier, record: Transition) -> None:
        Submission.objects.create(
            dossier=dossier, number=dossier.submission_count, snapshot=dossier_snapshot(dossier), submitted_by=actor
        )


# Where a list's dossiers carry their publicities, newest first (`publicities_prefetch`): a plain list, which
# costs half of what prefetch_related("publicities") does (it builds a related manager per dossier).
PUBLICITIES_NEWEST_FIRST = "publicities_newest_first"


def publicities_prefetch() -> Prefetch:
    return Prefetch(
        "publicities", queryset=Publicity.objects.order_by("-start", "-id"), to_attr=PUBLICITIES_NEWEST_FIRST
    )


def current_publicity(dossier: Dossier) -> Publicity | None:
    loaded = getattr(dossier, PUBLICITIES_NEWEST_FIRST, None)
    if loaded is None:
        loaded = prefetched(dossier, "publicities")
    if loaded is not None:  # a list page prefetched them (newest first): no query per dossier
        return next(iter(loaded), None)
    return dossier.publicities.order_by("-start", "-id").first()


class StartPublicityAction(DossierAction):
    """开始单位公示: moves with its publicity (workflow.services.publicity_start, one or several dossiers)."""

    form = "publicity"
    needs_input = True

    def execute(self, actor: User | None, subject_id: int, **params: Any) -> Dossier:
        # workflow.services builds on this module; the publicity step lives there.
        from workflow.services import publicity_start

        if actor is None:
            raise PermissionDenied("只有本单位的推荐单位审核人可以办理公示。")
        start = params.get("start") or timezone.localdate()
        publicity_start(
            dossier_ids=[subject_id],
            actor=actor,
            start=start,
            contact=str(params.get("contact") or ""),
            working_days=params.get("working_days"),
        )
        return Dossier.objects.select_related("round", "unit").get(pk=subject_id)


class RecommendAction(DossierAction):
    """同意推荐 with the notice's fixed opinion, only after the publicity ended without an upheld objection.
    The opinion is the policy's fixed text, so the queue may recommend several dossiers at once (each checked
    on its own)."""

    form = "recommend"

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        super().check(actor, subject, **params)
        day = params.get("today") or timezone.localdate()
        publicity = current_publicity(subject)
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
        missing = missing_unit_records(subject)
        if missing:  # the signed annex 1 and 2, filed by the unit with section 13 (notice 五(二))
            raise Incomplete(
                "请先上传签字盖章的" + "、".join(missing) + "，再同意推荐（通知五(二)）。", details={"missing": missing}
            )

    def note(self, dossier: Dossier, **params: Any) -> str:
        return dossier.round.policy.text("recommendation_opinion")


def clean_reasons(dossier: Dossier, reasons: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
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


class ReturnAction(DossierAction):
    """退回修改 with every reason at once, per section (一次性告知); the applicant then has the policy's hours
    (48, notice 四(三)) to resubmit, after which the dossier counts as abandoned. At the last allowed
    submission the return ends the application (the row's `final_to` state, no deadline, no resubmission);
    the reviewer must confirm that first (`confirm_final`)."""

    form = "return"
    bulk = False  # each return carries its own reasons per section: one dossier at a time
    needs_input = True

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        super().check(actor, subject, **params)
        if "reasons" in params:  # called to draw the form there is no input yet
            clean_reasons(subject, params["reasons"] or [])
            if self.ends_application(subject) and not params.get("confirm_final"):
                raise ValidationFailed(final_return_warning(subject), details={"field": "confirm_final"})

    def ends_application(self, dossier: Dossier) -> bool:
        return self.rule.final_target is not None and at_last_submission(dossier)

    def apply(self, dossier: Dossier, **params: Any) -> None:
        dossier.returned_by_level = level_of_state(dossier, dossier.status) or ""
        hours = dossier.round.policy.resubmit_within_hours
        final = self.ends_application(dossier)
        dossier.return_deadline = None if final else timezone.now() + dt.timedelta(hours=hours)
        dossier.reminder_sent_at = None

    def reasons(self, dossier: Dossier, **params: Any) -> list[dict[str, str]]:
        return clean_reasons(dossier, params.get("reasons") or [])

    def transit(self, actor: User | None, dossier_id: int, *, version: int | None = None, **params: Any) -> Dossier:
        return super().transit(actor, dossier_id, version=version, **{"reasons": [], **params})


class AbandonAction(DossierAction):
    """视为放弃: the system closes a returned dossier whose resubmission deadline has passed."""

    form = "system"
    bulk = False

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        super().check(actor, subject, **params)
        moment = params.get("now") or timezone.now()
        if subject.return_deadline is None or subject.return_deadline > moment:
            raise ValidationFailed("修改期限未到，不能视为放弃。")

    def note(self, dossier: Dossier, **params: Any) -> str:
        hours = dossier.round.policy.resubmit_within_hours
        return f"退回后 {hours} 小时内未重新提交，视为放弃申报（通知四(三)）。"


def final_return_warning(dossier: Dossier) -> str:
    limit = dossier.round.policy.max_submissions
    return (
        f"该申报已提交 {dossier.submission_count} 次（每份最多 {limit} 次），此次退回将终止申报，"
        "申报人不能再修改提交。确认退回请勾选“确认终止申报”。"
    )


def return_ends_application(dossier: Dossier) -> bool:
    """Whether a return now ends the application (notice 四(三): 提交次数不得超过3次, our reading)."""
    action = dossier_action(dossier, "return")
    return isinstance(action, ReturnAction) and action.ends_application(dossier)


# Which class carries a policy row's `action`; any other row is a plain move.
ACTION_CLASSES: dict[str, type[DossierAction]] = {
    "submit": SubmitAction,
    "resubmit": SubmitAction,
    "start_publicity": StartPublicityAction,
    "recommend": RecommendAction,
    "return": ReturnAction,
    "abandon": AbandonAction,
}


# ---- the registry --------------------------------------------------------------------------------------


def dossier_actions(dossier: Dossier) -> list[DossierAction]:
    """The steps of the dossier's round, in the policy's order."""
    return [ACTION_CLASSES.get(rule.action, DossierAction)(rule) for rule in transition_rules(dossier)]


def dossier_action(dossier: Dossier, name: str) -> DossierAction:
    for action in dossier_actions(dossier):
        if action.name == name:
            return action
    raise IllegalTransition(f"本批次没有“{name}”这一操作。")


def available_actions(actor: User | None, dossier: Dossier) -> list[DossierAction]:
    """The steps this actor may take now: exactly those whose check() passes."""
    return [action for action in dossier_actions(dossier) if action.allows(actor, dossier)]


def pending_actions(actor: User | None, dossier: Dossier) -> list[tuple[DossierAction, DomainError]]:
    """Steps this actor will be able to take on the dossier in its present state, once a condition is met
    (e.g. 同意推荐 while the publicity runs), each with the check's refusal that says which."""
    pending = []
    for action in dossier_actions(dossier):
        if dossier.status not in action.rule.sources or action.rule.role == "system":
            continue
        try:
            action.check(actor, dossier)
        except (PermissionDenied, IllegalTransition, NotFound):
            continue  # not this actor's step at all
        except DomainError as exc:
            pending.append((action, exc))
    return pending


def act(*, actor: User | None, dossier_id: int, action: str, **params: Any) -> Dossier:
    """Execute the named step of the dossier's round (pages, API and jobs all come here)."""
    dossier = Dossier.objects.select_related("round").filter(pk=dossier_id).first()
    if dossier is None:
        raise NotFound("未找到该申报材料。")
    return dossier_action(dossier, action).execute(actor, dossier_id, **params)


def submit_action_name(dossier: Dossier) -> str:
    """`submit` for a first submission, `resubmit` after a return."""
    return "submit" if dossier.status == dossier.round.policy.workflow["initial"] else "resubmit"


def bulk_act(*, actor: User, dossier_ids: Iterable[int], action: str) -> tuple[list[Dossier], dict[int, DomainError]]:
    """Apply one step to several dossiers; each is its own transaction, so one refusal (e.g. another officer
    got there first) does not undo the others. Steps needing their own form's input are refused.
    Returns (done, refused)."""
    kind = ACTION_CLASSES.get(action, DossierAction)
    if not kind.bulk or kind.needs_input:
        raise ValidationFailed("该操作须逐份办理，不能批量办理。", details={"action": action})
    done: list[Dossier] = []
    refused: dict[int, DomainError] = {}
    for dossier_id in dossier_ids:
        try:
            done.append(act(actor=actor, dossier_id=dossier_id, action=action))
        except DomainError as exc:
            refused[dossier_id] = exc
    return done, refused


def bulk_menu(actor: User, dossiers: Iterable[Dossier]) -> dict[str, str]:
    """The bulk steps (name → label) this actor may take on at least one of these dossiers."""
    menu: dict[str, str] = {}
    # The bulk steps a dossier's state is a source of, per (round, state): a round's steps are built from its
    # policy once, not once per dossier; each dossier is then checked only for the steps not offered yet.
    candidates: dict[tuple[int, str], list[DossierAction]] = {}
    with roles_remembered():  # the actor's roles read once for the page, not once per dossier
        for dossier in dossiers:
            key = (dossier.round_id, dossier.status)
            if key not in candidates:
                candidates[key] = [a for a in dossier_actions(dossier) if a.bulk and dossier.status in a.rule.sources]
            for action in candidates[key]:
                if action.name not in menu and action.allows(actor, dossier):
                    menu[action.name] = action.label
    return menu
