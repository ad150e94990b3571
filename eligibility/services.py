"""Writes for eligibility: the fraud register kept by the prefecture office."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Role, User
from accounts.services import audit
from core.errors import PermissionDenied, ValidationFailed
from eligibility.models import FraudFinding, normalise_id_number

# Who keeps the fraud register (SPEC 2: the prefecture office; administrators for corrections).
REGISTER_KEEPERS = (Role.PREFECTURE_OFFICER, Role.ADMINISTRATOR)


def can_keep_fraud_register(user: User | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or user.roles.filter(role__in=REGISTER_KEEPERS).exists()


@transaction.atomic
def fraud_finding_record(
    *, actor: User, id_number: str, round_year: int, note: str = "", name: str = ""
) -> FraudFinding:
    """Enter a confirmed fraud finding into the register; audited."""
    if not can_keep_fraud_register(actor):
        raise PermissionDenied("只有州评委会办公室可以登记弄虚作假记录。")
    finding = FraudFinding(
        id_number=normalise_id_number(id_number), round_year=round_year, note=note, name=name, recorded_by=actor
    )
    try:
        finding.full_clean()
    except ValidationError as exc:
        raise ValidationFailed("；".join(exc.messages), details=exc.message_dict) from exc
    finding.save()
    audit(actor, "fraud_finding_recorded", finding, id_number=finding.id_number, round_year=finding.round_year)
    return finding


@transaction.atomic
def fraud_finding_delete(*, actor: User, finding: FraudFinding) -> None:
    if not can_keep_fraud_register(actor):
        raise PermissionDenied("只有州评委会办公室可以删除弄虚作假记录。")
    audit(
        actor,
        "fraud_finding_deleted",
        finding,
        id_number=finding.id_number,
        round_year=finding.round_year,
        note=finding.note,
    )
    finding.delete()
