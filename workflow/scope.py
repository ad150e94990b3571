"""Who may act on / see a dossier: the one place that maps roles and organisations to dossiers."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Organization, Role, RoleAssignment, User
from dossiers.models import Dossier

# Which reviewing role works at which level of the chain.
LEVEL_ROLES: dict[str, Role] = {
    "unit": Role.UNIT_REVIEWER,
    "county": Role.COUNTY_REVIEWER,
    "prefecture": Role.PREFECTURE_OFFICER,
}


def organization_for_level(dossier: Dossier, level: str) -> Organization | None:
    """The organisation whose reviewers act for `level` on this dossier (routing, notice 4(三))."""
    if level == "unit":
        return dossier.unit
    if level == "county":
        return dossier.unit.registration_county
    if level == "prefecture":
        county = dossier.unit.registration_county
        return county.parent if county else None
    return None


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


def reviewer_levels(user: User) -> list[tuple[str, Organization]]:
    """(level, organisation) pairs at which the user reviews."""
    result = []
    for ra in RoleAssignment.objects.filter(user=user, role__in=list(LEVEL_ROLES.values())).select_related(
        "organization"
    ):
        level = next(lvl for lvl, r in LEVEL_ROLES.items() if r == ra.role)
        result.append((level, ra.organization))
    return result


def dossiers_in_scope_of_reviewer(user: User) -> QuerySet[Dossier]:
    """Every non-draft dossier routed through an organisation where the user reviews.

    Drafts never leave the applicant. Which states a level sees is decided by the queue selectors;
    this is the outer fence.
    """
    condition = Q(pk__in=[])
    for level, org in reviewer_levels(user):
        if level == "unit":
            condition |= Q(unit=org)
        elif level == "county":
            condition |= Q(unit__registration_county=org)
        elif level == "prefecture":
            condition |= Q(unit__registration_county__parent=org)
    return Dossier.objects.filter(condition).exclude(status="draft").exclude(submission_count=0)


def dossier_visible_to(user: User, dossier: Dossier) -> bool:
    if not user.is_authenticated:
        return False
    if dossier.applicant_id == user.pk:
        return True
    return dossiers_in_scope_of_reviewer(user).filter(pk=dossier.pk).exists()


def visible_dossier(user: User, dossier_id: int) -> Dossier | None:
    """The dossier if this user may see it (its applicant or a reviewer in scope), else None: a missing and a
    hidden dossier look the same, so a refusal never confirms that the dossier exists."""
    dossier = (
        Dossier.objects.select_related("round", "applicant", "unit", "unit__registration_county", "unit__parent")
        .filter(pk=dossier_id)
        .first()
    )
    return dossier if dossier is not None and dossier_visible_to(user, dossier) else None
