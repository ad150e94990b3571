"""Confirmed fraud (notice 五(一)14, 八(二)): the finding goes into the eligibility app's register — which the
eligibility rules read, so the 3-year ban from the year after the application's round year applies to every
later self-check automatically — and, found during a round, the application is cancelled by its own action."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.services import audit
from committee.permissions import require_office
from committee.stage import id_number_of
from committee.transitions import dossier_move
from core.errors import IllegalTransition, ValidationFailed
from dossiers.models import Dossier
from eligibility.models import FraudFinding
from eligibility.services import fraud_finding_record

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
    moved = dossier_move(dossier=dossier, action=CANCEL_ACTION, actor=actor, note=f"弄虚作假记录 #{finding.pk}")
    audit(actor, "fraud_cancelled", finding, dossier=dossier.pk)
    return moved
