"""Who may see or act on a dossier: the one place that maps roles and organisations to dossiers.

It stands below every app that asks (eligibility, masking, documents, workflow, committee), so none of
them reaches up for it. The review chain unit → county (by registration place) → prefecture (notice
4(三)) is written once, in `_UNIT_PATH`, and read both ways: up from a dossier to the organisation that
acts for a level, and down from an organisation to the dossiers under it.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import models
from django.db.models import Q, QuerySet

from accounts.models import Organization, Role, RoleAssignment, User
from accounts.selectors import user_has_role
from core.errors import NotFound, PermissionDenied
from dossiers.models import Dossier


class ReviewLevel(models.TextChoices):
    """A step of the review chain ("level" alone means the title level, junior / mid)."""

    UNIT = "unit", "推荐单位"
    COUNTY = "county", "县（市）"
    PREFECTURE = "prefecture", "州评委会办公室"


# Which reviewing role works at which step of the chain.
LEVEL_ROLES: dict[str, Role] = {
    ReviewLevel.UNIT: Role.UNIT_REVIEWER,
    ReviewLevel.COUNTY: Role.COUNTY_REVIEWER,
    ReviewLevel.PREFECTURE: Role.PREFECTURE_OFFICER,
}

# From a dossier to the organisation acting for each step: the chain, spelled once.
_UNIT_PATH: dict[str, str] = {
    ReviewLevel.UNIT: "unit",
    ReviewLevel.COUNTY: "unit__registration_county",
    ReviewLevel.PREFECTURE: "unit__registration_county__parent",
}

NOT_FOUND_MESSAGE = "未找到该申报材料，或您无权查看。"


def organization_for_level(dossier: Dossier, level: str) -> Organization | None:
    """The organisation whose reviewers act for `level` on this dossier (routing, notice 4(三))."""
    path = _UNIT_PATH.get(level)
    if path is None:
        return None
    node: Any = dossier
    for name in path.split("__"):
        node = getattr(node, name)
        if node is None:
            return None
    return cast(Organization, node)


def _under(level: str, organization: Organization) -> Q:
    """Dossiers whose chain passes through `organization` at `level`."""
    path = _UNIT_PATH.get(level)
    return Q(**{path: organization}) if path else Q(pk__in=[])


def dossiers_under(organization: Organization | None) -> QuerySet[Dossier]:
    """Dossiers of a unit, registered in a county, under a prefecture; the whole region (or None): all."""
    if organization is None or organization.kind == Organization.Kind.REGION:
        return Dossier.objects.all()
    return Dossier.objects.filter(_under(organization.kind, organization))


def units_under(organization: Organization) -> QuerySet[Organization]:
    """The employer units whose dossiers `dossiers_under(organization)` covers (by the same chain)."""
    path = _UNIT_PATH.get(organization.kind)
    if path is None:
        return Organization.objects.none()
    return Organization.objects.filter(kind=Organization.Kind.UNIT, **{path.removeprefix("unit__"): organization})


def can_act_as(user: User | None, role: str, dossier: Dossier) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if role == Role.APPLICANT:
        return dossier.applicant_id == user.pk
    level = next((lvl for lvl, r in LEVEL_ROLES.items() if r == role), None)
    if level is None:
        return False
    org = organization_for_level(dossier, level)
    return org is not None and RoleAssignment.objects.filter(user=user, role=role, organization=org).exists()


def require_role(user: User | None, role: Role, organization: Organization | None = None) -> None:
    """Refuse (PermissionDenied) unless the user holds `role`, at `organization` when one is named."""
    if user is None or not user_has_role(user, role, organization):
        where = f"{organization.name}的" if organization is not None else ""
        raise PermissionDenied(f"只有{where}{role.label}可以办理此事项。")


def reviewer_levels(user: User) -> list[tuple[str, Organization]]:
    """(level, organisation) pairs at which the user reviews."""
    result = []
    for ra in RoleAssignment.objects.filter(user=user, role__in=list(LEVEL_ROLES.values())).select_related(
        "organization"
    ):
        level = next(lvl for lvl, r in LEVEL_ROLES.items() if r == ra.role)
        result.append((str(level), ra.organization))
    return result


def dossiers_in_scope_of_reviewer(user: User) -> QuerySet[Dossier]:
    """Every non-draft dossier routed through an organisation where the user reviews.

    Drafts never leave the applicant. Which states a level sees is decided by the queue selectors;
    this is the outer fence.
    """
    condition = Q(pk__in=[])
    for level, org in reviewer_levels(user):
        condition |= _under(level, org)
    return Dossier.objects.filter(condition).exclude(status="draft").exclude(submission_count=0)


def dossier_visible_to(user: User | None, dossier: Dossier) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if dossier.applicant_id == user.pk:
        return True
    return dossiers_in_scope_of_reviewer(user).filter(pk=dossier.pk).exists()


def visible_dossier(user: User | None, dossier_id: int) -> Dossier:
    """The dossier if this user may see it (its applicant or a reviewer in scope), else NotFound: a missing
    and a hidden dossier look the same, so a refusal never confirms that the dossier exists."""
    dossier = (
        Dossier.objects.select_related("round", "applicant", "unit", "unit__registration_county", "unit__parent")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or not dossier_visible_to(user, dossier):
        raise NotFound(NOT_FOUND_MESSAGE)
    return dossier
