"""The expert pool (评审专家库) and recusal (回避): an expert never reviews a dossier of their own unit, their
own dossier, or one of a person they declared a conflict with (relative, same project…)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Organization, Role, User
from accounts.selectors import user_has_role
from accounts.services import audit
from committee.models import Expert, ExpertConflict
from committee.permissions import require_office
from committee.stage import id_number_of
from core.errors import AlreadyRecorded, PermissionDenied, ValidationFailed
from dossiers.models import Dossier
from eligibility.models import normalise_id_number


def expert_register_check(actor: User | None, user: User) -> None:
    require_office(actor)
    if not user_has_role(user, Role.EXPERT):
        raise ValidationFailed(f"{user} 没有评审专家角色，不能入库。")
    if Expert.objects.filter(user=user).exists():
        raise AlreadyRecorded(f"{user} 已在专家库中。")


@transaction.atomic
def expert_register(
    *,
    actor: User,
    user: User,
    title: str,
    specialty: str,
    unit: Organization | None = None,
    organization_name: str = "",
) -> Expert:
    expert_register_check(actor, user)
    if unit is None and not organization_name.strip():
        raise ValidationFailed("请填写专家的工作单位（回避审查依据）。")
    expert = Expert.objects.create(
        user=user, title=title, specialty=specialty, unit=unit, organization_name=organization_name.strip()
    )
    audit(actor, "expert_registered", expert, user=user.pk, unit=unit.pk if unit else None)
    return expert


def expert_update_check(actor: User | None, expert: Expert) -> None:
    require_office(actor)


@transaction.atomic
def expert_update(
    *,
    actor: User,
    expert: Expert,
    title: str,
    specialty: str,
    unit: Organization | None,
    organization_name: str,
    status: str,
) -> Expert:
    """The office edits a pool entry (title, specialty, unit, status); the audit row keeps before and after."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    expert_update_check(actor, expert)
    if not title or not specialty:
        raise ValidationFailed("请填写专家的职称和专业。")
    if unit is None and not organization_name.strip():
        raise ValidationFailed("请填写专家的工作单位（回避审查依据）。")
    if status not in Expert.Status.values:
        raise ValidationFailed(f"未知的专家状态“{status}”。")
    fields = ("title", "specialty", "unit_id", "organization_name", "status")
    before = {f: getattr(expert, f) for f in fields}
    expert.title, expert.specialty, expert.unit = title, specialty, unit
    expert.organization_name, expert.status = organization_name.strip(), status
    expert.save()
    after = {f: getattr(expert, f) for f in fields}
    changed = {f: [before[f], after[f]] for f in fields if before[f] != after[f]}
    audit(actor, "expert_updated", expert, changed=changed)
    return expert


def expert_status_set(*, actor: User, expert: Expert, status: str) -> Expert:
    require_office(actor)
    if status not in Expert.Status.values:
        raise ValidationFailed(f"未知的专家状态“{status}”。")
    previous, expert.status = expert.status, status
    expert.save(update_fields=["status"])
    audit(actor, "expert_status", expert, before=previous, after=status)
    return expert


def conflict_declare_check(actor: User | None, expert: Expert) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("请先登录。")
    if actor.pk != expert.user_id:
        require_office(actor)


@transaction.atomic
def conflict_declare(*, actor: User, expert: Expert, id_number: str, kind: str, note: str = "") -> ExpertConflict:
    """The expert (or the office for them) declares a conflict with a person, by ID number."""
    conflict_declare_check(actor, expert)
    number = normalise_id_number(id_number)
    if not number:
        raise ValidationFailed("请填写需回避人员的身份证号码。")
    if kind not in ExpertConflict.Kind.values:
        raise ValidationFailed(f"未知的回避事由“{kind}”。")
    try:
        with transaction.atomic():
            conflict = ExpertConflict.objects.create(
                expert=expert, id_number=number, kind=kind, note=note, declared_by=actor
            )
    except IntegrityError as exc:
        raise AlreadyRecorded("已申报过与该人员的回避关系。") from exc
    # The ID number itself stays out of the audit trail's extra data; the row's id points at it.
    audit(actor, "conflict_declared", conflict, expert=expert.pk, kind=kind)
    return conflict


def recusal_reason(expert: Expert, dossier: Dossier) -> str | None:
    """Why this expert may not review this dossier, or None (人社部令第40号 回避)."""
    if dossier.applicant_id == expert.user_id:
        return "本人申报"
    if expert.unit_id is not None and expert.unit_id == dossier.unit_id:
        return "与申报人同一单位"
    conflict = expert.conflicts.filter(id_number=id_number_of(dossier)).first() if id_number_of(dossier) else None
    if conflict is not None:
        return f"已申报回避（{conflict.get_kind_display()}）"
    return None
