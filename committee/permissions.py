"""Who may take the committee's steps. The prefecture office (SPEC 2) runs them; for one dossier it must be
the office of that dossier's prefecture. Checks raise PermissionDenied, so each action's `check()` is these
plus its own state conditions."""

from __future__ import annotations

from accounts.models import Role, User
from accounts.selectors import user_has_role
from committee.models import Expert
from core.errors import PermissionDenied
from dossiers.models import Dossier
from workflow.scope import can_act_as

OFFICE_REFUSAL = "只有州评委会办公室可以办理评审委员会事务。"


def require_office(actor: User | None, dossier: Dossier | None = None) -> User:
    """The actor is a prefecture officer (of the dossier's prefecture, when a dossier is given)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied(OFFICE_REFUSAL)
    if dossier is not None:
        allowed = can_act_as(actor, Role.PREFECTURE_OFFICER, dossier)
    else:
        allowed = user_has_role(actor, Role.PREFECTURE_OFFICER)
    if not allowed:
        raise PermissionDenied(OFFICE_REFUSAL)
    return actor


def require_expert(actor: User | None) -> Expert:
    """The actor's own entry in the expert pool (an expert acts only for themself: no proxies)."""
    expert = Expert.objects.filter(user=actor).first() if actor is not None and actor.is_authenticated else None
    if expert is None:
        raise PermissionDenied("只有专家库中的评审专家本人可以办理此事项。")
    return expert
