"""Reads for experts: only their own assignments; dossiers appear only under their pseudonym."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
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


@dataclass
class AssignmentPage:
    page: Page[int]  # the page of ids, for the page numbers
    rows: list[ExpertAssignment]


def assignment_page(user: User, *, page: int | str | None = 1, limit: int = 50) -> AssignmentPage:
    """One page of assignments_listed (a page out of range is the nearest one). The page's ids first, on the
    (expert, pseudonym, id) index without joins; then those rows with their dossier, opinion and vote flag,
    and one Round instance per round, so a row asks nothing more. Joined first, PostgreSQL hashed the whole
    dossier table and sorted every assignment of the expert for each page."""
    ids = ExpertAssignment.objects.none() if not user.is_authenticated else ExpertAssignment.objects.filter(expert=user)
    current = Paginator(ids.order_by("pseudonym", "pk").values_list("pk", flat=True), limit).get_page(page)
    wanted = list(current.object_list)
    loaded = assignments_listed(user).filter(pk__in=wanted).in_bulk()
    rows = [loaded[pk] for pk in wanted if pk in loaded]
    share_rounds([a.dossier for a in rows])
    return AssignmentPage(page=current, rows=rows)


def assignment_page_of_expert(user: User, *, page: int | str | None = 1, limit: int = 50) -> list[ExpertAssignment]:
    return assignment_page(user, page=page, limit=limit).rows


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
