"""Confirmed fraud (notice 五(一)14, 八(二)): the finding goes into the eligibility app's register — which the
eligibility rules read, so the 3-year ban from the year after the application's round year applies to every
later self-check automatically — and, found during a round, the application is cancelled by its own action."""

from __future__ import annotations

from django.db import transaction
from stdnum.cn import ric

from accounts.models import User
from accounts.services import audit
from committee.actions import FraudCancelAction
from committee.permissions import require_office
from committee.stage import id_number_of
from committee.transitions import dossier_move
from core.errors import AlreadyRecorded, IllegalTransition, PermissionDenied, ValidationFailed
from dossiers.models import Dossier
from eligibility.models import FraudFinding, normalise_id_number
from eligibility.services import can_keep_fraud_register, fraud_finding_record
from rounds.models import Round
from workflow.actions import dossier_action

CANCEL_ACTION = "fraud_cancel"


def fraud_case_record_check(actor: User | None, dossier: Dossier) -> None:
    require_office(actor, dossier)
    if not id_number_of(dossier):
        raise ValidationFailed("该申报没有填写身份证号码，无法登记弄虚作假记录。")
    if FraudFinding.objects.filter(dossier=dossier).exists():
        raise IllegalTransition("该申报已登记弄虚作假记录。")


@transaction.atomic
def fraud_case_record(*, actor: User, dossier: Dossier, evidence: str, note: str = "") -> FraudFinding:
    """Register the finding against the person and this application's round year; cancel the application."""
    fraud_case_record_check(actor, dossier)
    if not evidence.strip():
        raise ValidationFailed("请填写查实弄虚作假的证据材料。", details={"field": "evidence"})
    basic = dossier.sections.filter(key="basic_info").first()
    finding = fraud_finding_record(
        actor=actor,
        id_number=id_number_of(dossier),
        round_year=dossier.round.year,
        note=note,
        name=str((basic.data if basic else {}).get("name") or dossier.applicant.display_name),
    )
    finding.evidence, finding.dossier = evidence.strip(), dossier
    finding.save(update_fields=["evidence", "dossier"])
    fraud_cancel(actor=actor, dossier=dossier, finding=finding)
    return finding


def fraud_cancel(*, actor: User, dossier: Dossier, finding: FraudFinding) -> Dossier:
    """The cancellation itself (notice 五(一)14: 取消已确认的资格), its own audited transition."""
    moved = dossier_move(dossier=dossier, action=CANCEL_ACTION, actor=actor, finding=finding)
    audit(actor, "fraud_cancelled", finding, dossier=dossier.pk)
    return moved


def live_application(round_: Round, id_number: str) -> Dossier | None:
    """The person's application in `round_` that a finding cancels: one in a state the policy's fraud_cancel
    leaves from (drafts, returns awaiting the applicant and closed dossiers are not)."""
    rule = next((t for t in round_.policy.workflow["transitions"] if t["action"] == CANCEL_ACTION), None)
    if rule is None or not id_number:
        return None
    return (
        Dossier.objects.select_related("round", "unit", "applicant")
        .filter(
            round=round_,
            status__in=list(rule["from"]),
            sections__key="basic_info",
            sections__data__id_number__iexact=normalise_id_number(id_number),
        )
        .first()
    )


def fraud_person_record_check(actor: User | None, round_: Round, id_number: str) -> Dossier | None:
    """May `actor` register a finding against this person for this round? Returns the application the
    finding will cancel (None when the person has none in the round), so a page can ask to confirm it."""
    if not can_keep_fraud_register(actor):
        raise PermissionDenied("只有州评委会办公室或自治区职称主管部门可以登记弄虚作假记录。")
    id_number = normalise_id_number(id_number)
    if not ric.is_valid(id_number):
        raise ValidationFailed("身份证号码校验不通过，请核对。", details={"field": "id_number"})
    if FraudFinding.objects.filter(id_number=id_number, round_year=round_.year).exists():
        raise AlreadyRecorded(f"该人员 {round_.year} 年度的弄虚作假记录已登记。")
    dossier = live_application(round_, id_number)
    if dossier is not None:
        fraud_case_record_check(actor, dossier)
        action = dossier_action(dossier, CANCEL_ACTION)
        # The finding does not exist yet: ask whether the move itself would be allowed.
        assert isinstance(action, FraudCancelAction)  # committee's ready() puts it in ACTION_CLASSES
        action.check_move(actor, dossier)
    return dossier


@transaction.atomic
def fraud_person_record(
    *, actor: User, round_: Round, id_number: str, evidence: str, name: str = "", note: str = ""
) -> FraudFinding:
    """Register a confirmed case against a person (by ID number) for the round it was found in. When the
    person has a live application in that round, it is cancelled by the fraud_cancel action (notice 五(一)14)."""
    dossier = fraud_person_record_check(actor, round_, id_number)
    if not evidence.strip():
        raise ValidationFailed("请填写查实弄虚作假的证据材料。", details={"field": "evidence"})
    if dossier is not None:
        return fraud_case_record(actor=actor, dossier=dossier, evidence=evidence, note=note)
    finding = fraud_finding_record(actor=actor, id_number=id_number, round_year=round_.year, note=note, name=name)
    finding.evidence = evidence.strip()
    finding.save(update_fields=["evidence"])
    return finding
