"""The committee's steps as rows of the workflow action registry (workflow/actions.py).

Dossier steps that move a state are rows of the policy (`committee_pass`, `committee_fail`,
`certificate_issue`, `fraud_cancel`); `certificate_issue` carries its certificate (`CertificateIssueAction`,
put in `ACTION_CLASSES` at start). Every other step — on a round, a fee, a meeting, a defence session, a
results publicity… — is a `CommitteeStep`: `check()` is the step's `*_check` (pages draw their buttons from
it), `execute()` loads the subject and calls the step's service, which checks again under its lock, writes,
audits once and enforces the policy window named in `window`. Pages and API both come through `committee_act`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Organization, User
from accounts.services import audit
from committee import defence, draws, experts, fees, meetings, paper, results
from committee.certificates import certificate_document, certificate_issue_check, certificate_number
from committee.models import (
    Certificate,
    DefenceSession,
    Expert,
    Fee,
    Meeting,
    Minutes,
    Objection,
    RecheckRequest,
    ResultsPublicity,
)
from committee.permissions import require_expert, require_office
from core.errors import IllegalTransition, NotFound, ValidationFailed
from documents.services import new_verification_code
from dossiers.models import Dossier
from rounds.models import Round
from workflow.actions import SUBJECT_ACTIONS, Action, DossierAction, register
from workflow.models import Transition

# A check returns nothing useful (some return the checked actor): only its refusal matters.
Checker = Callable[..., object]
Runner = Callable[..., Any]


def _today(params: dict[str, Any], key: str) -> dt.date:
    value = params.get(key)
    return value if isinstance(value, dt.date) else timezone.localdate()


class CommitteeStep(Action[Any]):
    """A committee step on a non-dossier subject: its check and its service, and the window it keeps."""

    subject: ClassVar[type[models.Model]]
    # The URL/API name of the subject ("round", "meeting", …).
    subject_name: ClassVar[str]

    def __init__(self, name: str, label: str, checker: Checker, runner: Runner, window: str | None = None) -> None:
        self.name, self.label, self.window = name, label, window
        self._checker, self._runner = checker, runner

    def load(self, subject_id: int) -> Any:
        found = self.subject._default_manager.filter(pk=subject_id).first()
        if found is None:
            raise NotFound("未找到该记录。")
        return found

    def check(self, actor: User | None, subject: Any, **params: Any) -> None:
        self._checker(actor, subject, **params)

    def execute(self, actor: User | None, subject_id: int, **params: Any) -> Any:
        subject = self.load(subject_id)
        self.check(actor, subject, **params)
        return self._runner(actor, subject, **params)


class RoundStep(CommitteeStep):
    subject = Round
    subject_name = "round"

    def load(self, subject_id: int) -> Round:
        found = Round.objects.filter(pk=subject_id).first()
        if found is None:
            raise NotFound("未找到该评审批次。")
        return found


class FeeStep(CommitteeStep):
    subject = Fee
    subject_name = "fee"


class DossierStep(CommitteeStep):
    """A committee step on a dossier that does not move its state (paper receipt)."""

    subject = Dossier
    subject_name = "dossier"


class UserStep(CommitteeStep):
    subject = User
    subject_name = "user"


class ExpertStep(CommitteeStep):
    subject = Expert
    subject_name = "expert"


class SessionStep(CommitteeStep):
    subject = DefenceSession
    subject_name = "session"


class MeetingStep(CommitteeStep):
    subject = Meeting
    subject_name = "meeting"


class MinutesStep(CommitteeStep):
    subject = Minutes
    subject_name = "minutes"


class PublicityStep(CommitteeStep):
    subject = ResultsPublicity
    subject_name = "publicity"


class ObjectionStep(CommitteeStep):
    subject = Objection
    subject_name = "objection"


class RecheckStep(CommitteeStep):
    subject = RecheckRequest
    subject_name = "recheck"


def _dossiers(round_: Round, ids: Any) -> list[Dossier]:
    wanted = [int(i) for i in ids or []]
    found = list(Dossier.objects.filter(round=round_, pk__in=wanted).select_related("round", "unit"))
    if len(found) != len(set(wanted)):
        raise ValidationFailed("所选申报中有不属于本批次的。")
    return found


def _dossier(params: dict[str, Any]) -> Dossier:
    """The dossier a step names, by id or by its number (申报编号: what the office has in hand on a list that is
    paged, e.g. an objection received by letter)."""
    value = str(params.get("dossier") or "").strip()
    dossiers = Dossier.objects.select_related("round", "unit")
    if value and not value.isdigit():
        dossier = dossiers.filter(serial_number=value.upper()).first()
        if dossier is None:  # a number typed by hand: said in the form, not as a missing page
            raise ValidationFailed(f"没有申报编号为“{value[:40]}”的申报，请核对。", details={"field": "dossier"})
    else:
        dossier = dossiers.filter(pk=_id(value)).first()
    if dossier is None:
        raise NotFound("未找到该申报材料。")
    return dossier


def _id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("请选择要办理的记录。") from exc


def _unit(value: Any) -> Organization | None:
    """The expert's unit in the organisation tree, None for an outside institute (empty field)."""
    return Organization.objects.filter(pk=_id(value)).first() if value else None


def _users(ids: Any) -> list[User]:
    return list(User.objects.filter(pk__in=[int(i) for i in ids or []]))


# ---- the steps, by subject -------------------------------------------------------------------------------

STEPS: list[CommitteeStep] = [
    RoundStep(
        "fee_import",
        "导入缴费清单",
        lambda a, r, **p: fees.fee_import_check(a, r),
        lambda a, r, **p: fees.fee_import(actor=a, round_=r, file_name=p["file_name"], data=p["data"]),
        window=fees.FEE_WINDOW,
    ),
    RoundStep(
        "fees_draw_up",
        "生成缴费记录",
        lambda a, r, **p: fees.fees_draw_up_check(a, r),
        lambda a, r, **p: fees.fees_draw_up(actor=a, round_=r),
    ),
    RoundStep(
        "fees_flag_overdue",
        "标记逾期未缴",
        lambda a, r, **p: fees.fees_flag_overdue_check(a, r, today=_today(p, "today")),
        lambda a, r, **p: fees.fees_flag_overdue(actor=a, round_=r),
        window=fees.FEE_WINDOW,
    ),
    FeeStep(
        "fee_payment_record",
        "登记缴费",
        lambda a, f, **p: fees.fee_payment_record_check(a, f, paid_on=_today(p, "paid_on")),
        lambda a, f, **p: fees.fee_payment_record(
            actor=a, fee=f, paid_on=_today(p, "paid_on"), method=p.get("method", ""), reference=p.get("reference", "")
        ),
        window=fees.FEE_WINDOW,
    ),
    DossierStep(
        "paper_receipt_record",
        "登记收到纸质评审表",
        lambda a, d, **p: paper.paper_receipt_record_check(a, d, received_on=_today(p, "received_on")),
        lambda a, d, **p: paper.paper_receipt_record(
            actor=a, dossier=d, received_on=_today(p, "received_on"), note=p.get("note", "")
        ),
        window=paper.PAPER_WINDOW,
    ),
    RoundStep(
        "roster_receipt_record",
        "登记收到花名册",
        lambda a, r, **p: (
            paper.roster_receipt_record_check(
                a, r, Organization.objects.get(pk=p["unit"]), received_on=_today(p, "received_on")
            )
            if "unit" in p
            else require_office(a)
        ),
        lambda a, r, **p: paper.roster_receipt_record(
            actor=a, round_=r, unit=Organization.objects.get(pk=p["unit"]), received_on=_today(p, "received_on")
        ),
        window=paper.PAPER_WINDOW,
    ),
    RoundStep(
        "defence_schedule",
        "安排答辩",
        lambda a, r, **p: (
            defence.defence_session_schedule_check(
                a,
                r,
                held_on=_today(p, "held_on"),
                panel=_users(p.get("panel")) or [a],
                dossiers=_dossiers(r, p.get("dossiers")),
            )
            if p
            else require_office(a)
        ),
        lambda a, r, **p: defence.defence_session_schedule(
            actor=a,
            round_=r,
            held_on=_today(p, "held_on"),
            place=str(p.get("place") or "").strip(),
            panel=_users(p.get("panel")),
            dossiers=_dossiers(r, p.get("dossiers")),
        ),
        window=defence.DEFENCE_WINDOW,
    ),
    RoundStep(
        "defence_settle",
        "计算答辩结果",
        lambda a, r, **p: defence.defence_outcomes_settle_check(a, r),
        lambda a, r, **p: defence.defence_outcomes_settle(actor=a, round_=r),
    ),
    SessionStep(
        "defence_score",
        "答辩评分",
        lambda a, s, **p: defence.defence_score_record_check(a, s, _dossier(p)) if "dossier" in p else None,
        lambda a, s, **p: defence.defence_score_record(
            actor=a, session=s, dossier=_dossier(p), items=dict(p.get("items") or {})
        ),
        window=defence.DEFENCE_WINDOW,
    ),
    UserStep(
        "expert_register",
        "专家入库",
        lambda a, u, **p: experts.expert_register_check(a, u),
        lambda a, u, **p: experts.expert_register(
            actor=a,
            user=u,
            title=str(p.get("title") or "").strip(),
            specialty=str(p.get("specialty") or "").strip(),
            unit=_unit(p.get("unit")),
            organization_name=str(p.get("organization_name") or ""),
        ),
    ),
    ExpertStep(
        "expert_update",
        "修改专家信息",
        lambda a, e, **p: experts.expert_update_check(a, e),
        lambda a, e, **p: experts.expert_update(
            actor=a,
            expert=e,
            title=str(p.get("title") or "").strip(),
            specialty=str(p.get("specialty") or "").strip(),
            unit=_unit(p.get("unit")),
            organization_name=str(p.get("organization_name") or ""),
            status=str(p.get("status") or e.status),
        ),
    ),
    ExpertStep(
        "conflict_declare",
        "申报回避",
        lambda a, e, **p: experts.conflict_declare_check(a, e),
        lambda a, e, **p: experts.conflict_declare(
            actor=a,
            expert=e,
            id_number=str(p.get("id_number") or ""),
            kind=str(p.get("kind") or ""),
            note=str(p.get("note") or ""),
        ),
    ),
    RoundStep(
        "committee_draw",
        "抽取评审委员会",
        lambda a, r, **p: draws.committee_draw_check(a, r, size=int(p.get("size") or 0)) if p else require_office(a),
        lambda a, r, **p: draws.committee_draw(actor=a, round_=r, size=int(p["size"]), seed=p.get("seed") or None),
    ),
    RoundStep(
        "group_draw",
        "抽取评议组",
        lambda a, r, **p: (
            draws.group_draw_check(a, r, size=int(p.get("size") or 0), dossiers=_dossiers(r, p.get("dossiers")))
            if p
            else require_office(a)
        ),
        lambda a, r, **p: draws.group_draw(
            actor=a,
            round_=r,
            name=str(p.get("name") or "").strip() or "评议组",
            dossiers=_dossiers(r, p.get("dossiers")),
            size=int(p["size"]),
            seed=p.get("seed") or None,
        ),
    ),
    RoundStep(
        "meeting_create",
        "召开评审会议",
        lambda a, r, **p: (
            meetings.meeting_create_check(a, r, held_on=_today(p, "held_on"), dossiers=_dossiers(r, p.get("dossiers")))
            if p
            else require_office(a)
        ),
        lambda a, r, **p: meetings.meeting_create(
            actor=a,
            round_=r,
            held_on=_today(p, "held_on"),
            place=str(p.get("place") or "").strip(),
            dossiers=_dossiers(r, p.get("dossiers")),
        ),
        window=meetings.MEETING_WINDOW,
    ),
    MeetingStep(
        "attendance_record",
        "登记出席",
        lambda a, m, **p: meetings.attendance_record_check(a, m),
        lambda a, m, **p: meetings.attendance_record(
            actor=a, meeting=m, present_expert_ids={int(i) for i in p.get("present") or []}
        ),
    ),
    MeetingStep(
        "voting_open",
        "开始表决",
        lambda a, m, **p: meetings.voting_open_check(a, m),
        lambda a, m, **p: meetings.voting_open(actor=a, meeting=m),
    ),
    MeetingStep(
        "ballot_cast",
        "投票",
        lambda a, m, **p: meetings.ballot_cast_check(a, m, _dossier(p)) if "dossier" in p else require_expert(a),
        lambda a, m, **p: meetings.ballot_cast(actor=a, meeting=m, dossier=_dossier(p), choice=str(p.get("choice"))),
        window=meetings.MEETING_WINDOW,
    ),
    MeetingStep(
        "vote_count",
        "计票",
        lambda a, m, **p: (
            meetings.vote_count_check(a, m, _dossier(p), today=timezone.localdate())
            if "dossier" in p
            else require_office(a)
        ),
        lambda a, m, **p: meetings.vote_count(actor=a, meeting=m, dossier=_dossier(p)),
        window=meetings.MEETING_WINDOW,
    ),
    MeetingStep(
        "minutes_seal",
        "生成并封存会议纪要",
        lambda a, m, **p: meetings.minutes_seal_check(a, m),
        lambda a, m, **p: meetings.minutes_seal(actor=a, meeting=m),
    ),
    MinutesStep(
        "minutes_correct",
        "生成更正纪要",
        lambda a, m, **p: meetings.minutes_correct_check(a, m),
        lambda a, m, **p: meetings.minutes_correct(
            actor=a, minutes=m, content=dict(p.get("content") or m.content), reason=str(p.get("reason") or "")
        ),
    ),
    RoundStep(
        "results_publicity_start",
        "开始评审结果公示",
        lambda a, r, **p: results.results_publicity_start_check(a, r),
        lambda a, r, **p: results.results_publicity_start(actor=a, round_=r, starts_on=_today(p, "starts_on")),
    ),
    PublicityStep(
        "objection_record",
        "登记异议",
        lambda a, pub, **p: (
            results.objection_record_check(a, pub, _dossier(p), received_on=_today(p, "received_on"))
            if "dossier" in p
            else require_office(a)
        ),
        lambda a, pub, **p: results.objection_record(
            actor=a,
            publicity=pub,
            dossier=_dossier(p),
            received_on=_today(p, "received_on"),
            content=str(p.get("content") or ""),
            raised_by=str(p.get("raised_by") or ""),
        ),
    ),
    PublicityStep(
        "recheck_request",
        "申请复查",
        lambda a, pub, **p: results.recheck_request_check(a, pub, _dossier(p), today=timezone.localdate()),
        lambda a, pub, **p: results.recheck_request(
            actor=a, publicity=pub, dossier=_dossier(p), reason=str(p.get("reason") or "")
        ),
    ),
    PublicityStep(
        "results_confirm",
        "确认评审结果",
        lambda a, pub, **p: results.results_confirm_check(a, pub, today=timezone.localdate()),
        lambda a, pub, **p: results.results_confirm(actor=a, publicity=pub),
    ),
    ObjectionStep(
        "objection_resolve",
        "处理异议",
        lambda a, o, **p: results.objection_resolve_check(a, o),
        lambda a, o, **p: results.objection_resolve(actor=a, objection=o, resolution=str(p.get("resolution") or "")),
    ),
    RecheckStep(
        "recheck_answer",
        "答复复查申请",
        lambda a, q, **p: results.recheck_answer_check(a, q),
        lambda a, q, **p: results.recheck_answer(actor=a, request=q, answer=str(p.get("answer") or "")),
    ),
]


for _step in STEPS:
    register(_step)

SUBJECTS: dict[str, type[models.Model]] = {step.subject_name: step.subject for step in STEPS}


def committee_step(subject: str, name: str) -> CommitteeStep:
    model = SUBJECTS.get(subject)
    step = SUBJECT_ACTIONS.get(model, {}).get(name) if model is not None else None
    if not isinstance(step, CommitteeStep):
        raise NotFound(f"没有“{name}”这一评审委员会事项。")
    return step


def committee_act(*, actor: User | None, subject: str, subject_id: int, action: str, **params: Any) -> Any:
    """Pages and API: execute the named step on the named subject."""
    return committee_step(subject, action).execute(actor, subject_id, **params)


def committee_allows(actor: User | None, subject: str, obj: Any, action: str) -> bool:
    return committee_step(subject, action).allows(actor, obj)


# ---- the fraud cancellation: only as the consequence of a recorded finding --------------------------------


class FraudCancelAction(DossierAction):
    """弄虚作假，取消申报 (notice 五(一)14): a cancellation follows from a finding recorded with its evidence
    on this dossier (committee.fraud), never from a bare move on the generic action route."""

    bulk = False
    needs_input = True

    def check_move(self, actor: User | None, subject: Dossier) -> None:
        """Whether the move itself is allowed now (state, role, window), before the finding is recorded."""
        super().check(actor, subject)

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        self.check_move(actor, subject)
        finding = params.get("finding")
        if finding is None or getattr(finding, "dossier_id", None) != subject.pk:
            raise IllegalTransition("取消申报须先登记查实的弄虚作假记录及其证据（评审委员会 → 弄虚作假登记）。")

    def note(self, dossier: Dossier, **params: Any) -> str:
        return f"弄虚作假记录 #{params['finding'].pk}"


# ---- the certificate: a policy row with its own record -----------------------------------------------------


class CertificateIssueAction(DossierAction):
    """发放电子证书: the policy's move passed → certificate_issued, carrying the certificate itself (number,
    verification code; the PDF is drawn after commit). Whether issued from the office's results page or the
    generic action route, the certificate and the move are one transaction."""

    form = "certificate"
    bulk = False

    def check(self, actor: User | None, subject: Dossier, **params: Any) -> None:
        super().check(actor, subject, **params)
        certificate_issue_check(actor, subject)

    def transit(self, actor: User | None, dossier_id: int, *, version: int | None = None, **params: Any) -> Dossier:
        with transaction.atomic():
            # Lock the round: numbers are a per-round sequence, two officers issuing at once must not share one.
            Round.objects.select_for_update().filter(dossiers__pk=dossier_id).first()
            return super().transit(actor, dossier_id, version=version, **params)

    def after(self, actor: User | None, dossier: Dossier, record: Transition) -> None:
        sequence = Certificate.objects.filter(dossier__round=dossier.round).count() + 1
        assert actor is not None  # check() required a prefecture officer
        certificate = Certificate.objects.create(
            dossier=dossier,
            number=certificate_number(dossier.round, sequence),
            verification_code=new_verification_code(),
            issued_on=timezone.localdate(),
            issued_by=actor,
        )
        record.note = certificate.number
        record.save(update_fields=["note"])
        audit(actor, "certificate_issued", certificate, dossier=dossier.pk, number=certificate.number)
        transaction.on_commit(lambda: certificate_document(certificate))
