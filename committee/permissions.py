"""Who may take the committee's steps. The prefecture office (SPEC 2) runs them; for one dossier it must be
the office of that dossier's prefecture. Checks raise PermissionDenied, so each action's `check()` is these
plus its own state conditions."""

from __future__ import annotations

from accounts.models import Role, User
from committee.models import Expert
from core.errors import PermissionDenied
from dossiers.access import ReviewLevel, organization_for_level, require_role
from dossiers.models import Dossier


def require_office(actor: User | None, dossier: Dossier | None = None) -> User:
    """The actor is a prefecture officer (of the dossier's prefecture, when a dossier is given)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("只有州评委会办公室可以办理评审委员会事务。")
    if dossier is None:
        require_role(actor, Role.PREFECTURE_OFFICER)
        return actor
    prefecture = organization_for_level(dossier, ReviewLevel.PREFECTURE)
    if prefecture is None:
        raise PermissionDenied("该申报没有对应的州评委会办公室。")
    require_role(actor, Role.PREFECTURE_OFFICER, prefecture)
    return actor


def require_expert(actor: User | None) -> Expert:
    """The actor's own entry in the expert pool (an expert acts only for themself: no proxies)."""
    expert = Expert.objects.filter(user=actor).first() if actor is not None and actor.is_authenticated else None
    if expert is None:
        raise PermissionDenied("只有专家库中的评审专家本人可以办理此事项。")
    return expert
