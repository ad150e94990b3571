"""Assigning experts to dossiers (prefecture office)."""

from __future__ import annotations

import secrets

from django.db import transaction

from accounts.models import Role, User
from accounts.selectors import user_has_role
from accounts.services import audit
from committee.experts import recusal_reason
from committee.models import Expert, ExpertAssignment
from core.errors import PermissionDenied, ValidationFailed
from dossiers.access import can_act_as
from dossiers.models import Dossier


def _new_pseudonym(dossier: Dossier) -> str:
    """Random, so the number says nothing about order of filing or the applicant."""
    taken = set(ExpertAssignment.objects.filter(dossier__round=dossier.round).values_list("pseudonym", flat=True))
    while True:
        candidate = f"申报人 {secrets.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}-{secrets.randbelow(10000):04d}"
        if candidate not in taken:
            return candidate


def pseudonym_for(dossier: Dossier) -> str:
    """The dossier's pseudonym: the one its other experts already see, else a new one."""
    existing = ExpertAssignment.objects.filter(dossier=dossier).first()
    return existing.pseudonym if existing else _new_pseudonym(dossier)


@transaction.atomic
def expert_assign(*, actor: User | None, dossier: Dossier, expert: User) -> ExpertAssignment:
    """Give `expert` the dossier to review. Actor None = system/demo set-up."""
    if actor is not None and not (
        actor.is_superuser
        or can_act_as(actor, Role.PREFECTURE_OFFICER, dossier)
        or user_has_role(actor, Role.ADMINISTRATOR)
    ):
        raise PermissionDenied("只有州评委会办公室可以分配评审专家。")
    if not user_has_role(expert, Role.EXPERT):
        raise ValidationFailed("该用户不是评审专家。")
    profile = Expert.objects.filter(user=expert).first()
    reason = (
        recusal_reason(profile, dossier) if profile else ("本人申报" if dossier.applicant_id == expert.pk else None)
    )
    if reason:
        raise ValidationFailed(f"该专家须回避此申报：{reason}。", details={"recusal": reason})
    dossier = Dossier.objects.select_for_update().get(pk=dossier.pk)
    pseudonym = pseudonym_for(dossier)
    assignment, _ = ExpertAssignment.objects.get_or_create(
        expert=expert, dossier=dossier, defaults={"pseudonym": pseudonym, "assigned_by": actor}
    )
    audit(actor, "expert_assign", dossier, expert=expert.pk, pseudonym=pseudonym)
    return assignment
