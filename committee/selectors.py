"""Reads for experts: only their own assignments; dossiers appear only under their pseudonym."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from committee.models import ExpertAssignment, VoteCount
from core.errors import NotFound
from dossiers.models import Dossier
from rounds.selectors import share_rounds


def assignments_of_expert(user: User) -> QuerySet[ExpertAssignment]:
    if not user.is_authenticated:
        return ExpertAssignment.objects.none()
    return ExpertAssignment.objects.filter(expert=user).select_related("dossier", "dossier__round")


def assignments_listed(user: User) -> QuerySet[ExpertAssignment]:
    """The expert's assignments for a list (page or API), by pseudonym: each with its opinion and
    `dossier_voted` (a vote count exists) loaded with it."""
    if not user.is_authenticated:
        return ExpertAssignment.objects.none()
    return (
        ExpertAssignment.objects.filter(expert=user)
        .select_related("dossier", "expert", "opinion")
        .annotate(dossier_voted=Exists(VoteCount.objects.filter(dossier=OuterRef("dossier"))))
        .order_by("pseudonym", "pk")
    )


def assignment_page_of_expert(user: User, *, page: int | str | None = 1, limit: int = 50) -> list[ExpertAssignment]:
    """One page of assignments_listed (a page out of range is the nearest one), with one Round instance per
    round, so a row asks nothing more."""
    assignments = list(Paginator(assignments_listed(user), limit).get_page(page).object_list)
    share_rounds([a.dossier for a in assignments])
    return assignments


def assignment_for(user: User, dossier: Dossier) -> ExpertAssignment | None:
    if not user.is_authenticated:
        return None
    return ExpertAssignment.objects.filter(expert=user, dossier=dossier).first()


def is_assigned_expert(user: User, dossier: Dossier) -> bool:
    """Blind review: the masking app asks this (registered at ready()) before serving a masked copy."""
    return assignment_for(user, dossier) is not None


def assignment_of_expert(user: User, assignment_id: int) -> ExpertAssignment:
    """An assignment of this expert; anyone else's is 'not found'."""
    assignment = assignments_of_expert(user).filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound("未找到该评审材料。")
    return assignment
