"""Who may see or act on a dossier: the one place that maps roles and organisations to dossiers.

It stands below every app that asks (eligibility, masking, documents, workflow, committee), so none of
them reaches up for it. The routing rule of notice 四(三) ("逐级申报"; "企业以营业执照注册地为依据，选择材料接收
部门") is written once, here, and read both ways: up from a dossier to the organisation that acts for a level
(`organization_for_level`, `review_route`), and down from an organisation to the dossiers under it
(`dossiers_under`):

- an enterprise goes to the county of its business-licence registration place, then that county's prefecture;
- any other unit goes to the county it belongs to (its parent in the tree), then that county's prefecture;
- a unit directly under the prefecture (州直: a prefecture- or region-level unit that is not an enterprise, or
  one hung directly under the prefecture) has no county step: unit → prefecture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.db.models import Q, QuerySet

from accounts.models import Organization, Role, RoleAssignment, User
from accounts.selectors import user_has_role
from accounts.unit_levels import UnitLevel
from accounts.unit_types import UnitType
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

# Non-enterprise units at these levels are 州直: they skip the county (notice 四(三), our reading).
DIRECT_UNIT_LEVELS = (UnitLevel.PREFECTURE, UnitLevel.REGION)

NOT_FOUND_MESSAGE = "未找到该申报材料，或您无权查看。"


def _is_enterprise(unit: Organization) -> bool:
    return unit.unit_type == UnitType.ENTERPRISE


def county_of_unit(unit: Organization) -> Organization | None:
    """The county office reviewing this unit's dossiers; None for a 州直 unit."""
    if _is_enterprise(unit):
        return unit.registration_county
    parent = unit.parent
    if unit.unit_level in DIRECT_UNIT_LEVELS or parent is None or parent.kind != Organization.Kind.COUNTY:
        return None
    return parent


def prefecture_of_unit(unit: Organization) -> Organization | None:
    """The prefecture office reviewing this unit's dossiers."""
    node = unit.registration_county if _is_enterprise(unit) else unit.parent
    if node is not None and node.kind == Organization.Kind.COUNTY:
        node = node.parent
    return node if node is not None and node.kind == Organization.Kind.PREFECTURE else None


def organization_for_level(dossier: Dossier, level: str) -> Organization | None:
    """The organisation whose reviewers act for `level` on this dossier (routing, notice 4(三))."""
    if level == ReviewLevel.UNIT:
        return dossier.unit
    if level == ReviewLevel.COUNTY:
        return county_of_unit(dossier.unit)
    if level == ReviewLevel.PREFECTURE:
        return prefecture_of_unit(dossier.unit)
    return None


def review_route(dossier: Dossier) -> list[str]:
    """The levels this dossier passes through, in order (a 州直 unit's dossier has no county step)."""
    return [str(level) for level in ReviewLevel if organization_for_level(dossier, level) is not None]


def next_review_level(dossier: Dossier, level: str | None) -> str | None:
    """The level after `level` on this dossier's route (None at the end or off the route)."""
    route = review_route(dossier)
    if level not in route:
        return None
    i = route.index(level)
    return route[i + 1] if i + 1 < len(route) else None


def _unit_filter(level: str, organization: Organization, prefix: str) -> Q:
    """Units (fields under `prefix`) whose chain passes through `organization` at `level` — the same rule as
    county_of_unit / prefecture_of_unit, as a query."""
    enterprise = Q(**{f"{prefix}unit_type": UnitType.ENTERPRISE})
    if level == ReviewLevel.UNIT:
        return Q(unit=organization) if prefix else Q(pk=organization.pk)
    if level == ReviewLevel.COUNTY:
        direct = Q(**{f"{prefix}unit_level__in": DIRECT_UNIT_LEVELS})
        return (enterprise & Q(**{f"{prefix}registration_county": organization})) | (
            ~enterprise & ~direct & Q(**{f"{prefix}parent": organization})
        )
    if level == ReviewLevel.PREFECTURE:
        return (enterprise & Q(**{f"{prefix}registration_county__parent": organization})) | (
            ~enterprise & (Q(**{f"{prefix}parent": organization}) | Q(**{f"{prefix}parent__parent": organization}))
        )
    return Q(pk__in=[])


def routed_through(level: str, organization: Organization) -> Q:
    """Dossiers whose chain passes through `organization` at `level` (a condition, for queries that combine
    it with the state the dossier waits in)."""
    return _unit_filter(level, organization, "unit__")


_under = routed_through


def dossiers_under(organization: Organization | None) -> QuerySet[Dossier]:
    """Dossiers of a unit, routed to a county, under a prefecture; the whole region (or None): all."""
    if organization is None or organization.kind == Organization.Kind.REGION:
        return Dossier.objects.all()
    return Dossier.objects.filter(_under(organization.kind, organization))


def unit_ids_under(organization: Organization | None) -> list[int] | None:
    """The units whose dossiers dossiers_under(organization) holds, as ids (None: every unit, the region's).
    `Dossier.unit_id IN (ids)` then reads the same dossiers without a join on each dossier's unit chain."""
    if organization is None or organization.kind == Organization.Kind.REGION:
        return None
    return unit_ids_routed_through(str(organization.kind), organization)


def units_under(organization: Organization) -> QuerySet[Organization]:
    """The employer units whose dossiers `dossiers_under(organization)` covers (by the same rule)."""
    if organization.kind not in (ReviewLevel.COUNTY, ReviewLevel.PREFECTURE):
        return Organization.objects.none()
    return Organization.objects.filter(
        Q(kind=Organization.Kind.UNIT) & _unit_filter(organization.kind, organization, "")
    )


# While `roles_remembered` runs: the (role, organisation id) pairs of users already read, by user id.
_remembered_roles: ContextVar[dict[int, set[tuple[str, int | None]]] | None] = ContextVar(
    "remembered_roles", default=None
)


# And the reviewer levels of users already read (reviewer_levels), by user id.
_remembered_levels: ContextVar[dict[int, list[tuple[str, Organization]]] | None] = ContextVar(
    "remembered_levels", default=None
)


@contextmanager
def roles_remembered() -> Iterator[None]:
    """Within the block, can_act_as and reviewer_levels read each user's roles once instead of once per
    dossier or per question (a page asking about many dossiers or steps at once: the queue's bulk menu, the
    review page's buttons). Outside it every call reads the database. A block inside another one shares the
    outer block's memory (the queue page's scope and its bulk menu read the roles once)."""
    if _remembered_roles.get() is not None:
        yield
        return
    token = _remembered_roles.set({})
    levels_token = _remembered_levels.set({})
    try:
        yield
    finally:
        _remembered_levels.reset(levels_token)
        _remembered_roles.reset(token)


def _remember_roles(user: User) -> None:
    """Inside roles_remembered: the user's every role assignment, read once for both questions (can_act_as's
    roles and reviewer_levels)."""
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("organization"))
    roles, levels = _remembered_roles.get(), _remembered_levels.get()
    assert roles is not None and levels is not None  # set together by roles_remembered
    roles[user.pk] = {(a.role, a.organization_id) for a in assignments}
    levels[user.pk] = _levels_of(assignments)


def _holds(user: User, role: str, org: Organization) -> bool:
    remembered = _remembered_roles.get()
    if remembered is None:
        return RoleAssignment.objects.filter(user=user, role=role, organization=org).exists()
    if user.pk not in remembered:
        _remember_roles(user)
    return (str(role), org.pk) in remembered[user.pk]


def can_act_as(user: User | None, role: str, dossier: Dossier) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if role == Role.APPLICANT:
        return dossier.applicant_id == user.pk
    level = next((lvl for lvl, r in LEVEL_ROLES.items() if r == role), None)
    if level is None:
        return False
    org = organization_for_level(dossier, level)
    return org is not None and _holds(user, role, org)


def require_role(user: User | None, role: Role, organization: Organization | None = None) -> None:
    """Refuse (PermissionDenied) unless the user holds `role`, at `organization` when one is named."""
    if user is None or not user_has_role(user, role, organization):
        where = f"{organization.name}的" if organization is not None else ""
        raise PermissionDenied(f"只有{where}{role.label}可以办理此事项。")


def reviewer_levels(user: User) -> list[tuple[str, Organization]]:
    """(level, organisation) pairs at which the user reviews."""
    remembered = _remembered_levels.get()
    if remembered is not None:
        if user.pk not in remembered:
            _remember_roles(user)
        return list(remembered[user.pk])
    return _levels_of(
        RoleAssignment.objects.filter(user=user, role__in=list(LEVEL_ROLES.values())).select_related("organization")
    )


def _levels_of(assignments: Iterable[RoleAssignment]) -> list[tuple[str, Organization]]:
    """(level, organisation) of the reviewing roles among these assignments, in their order."""
    level_of_role = {str(role): str(level) for level, role in LEVEL_ROLES.items()}
    return [(level_of_role[a.role], a.organization) for a in assignments if a.role in level_of_role]


def dossiers_in_scope_of_reviewer(user: User) -> QuerySet[Dossier]:
    """Every non-draft dossier routed through an organisation where the user reviews.

    Drafts never leave the applicant. Which states a level sees is decided by the queue selectors;
    this is the outer fence.
    """
    condition = Q(pk__in=[])
    for level, org in reviewer_levels(user):
        condition |= _under(level, org)
    return Dossier.objects.filter(condition).exclude(status="draft").exclude(submission_count=0)


def unit_ids_routed_through(level: str, organization: Organization) -> list[int]:
    """The employer units whose dossiers pass through `organization` at `level` (routed_through's rule), as
    ids: a few hundred at most, whatever the number of dossiers."""
    units = Organization.objects.filter(_unit_filter(level, organization, ""), kind=Organization.Kind.UNIT)
    return list(units.values_list("pk", flat=True))


def unit_ids_in_scope_of_reviewer(user: User, levels: list[tuple[str, Organization]] | None = None) -> list[int]:
    """The employer units whose dossiers dossiers_in_scope_of_reviewer covers (the same rule), as ids.
    `levels`: reviewer_levels(user) when already read."""
    condition = Q(pk__in=[])
    for level, org in reviewer_levels(user) if levels is None else levels:
        condition |= _unit_filter(level, org, "")
    return list(Organization.objects.filter(condition, kind=Organization.Kind.UNIT).values_list("pk", flat=True))


def dossiers_of_units(unit_ids: list[int]) -> QuerySet[Dossier]:
    """A reviewer's outer fence (no drafts) over these units, as `unit_id IN (ids)`: no join on the unit chain,
    so the planner can walk an index in a list's order and stop at the page instead of joining and sorting
    the whole scope (EXPLAIN in BENCHMARKS.md, issue 14)."""
    return Dossier.objects.filter(unit_id__any_of=unit_ids).exclude(status="draft").exclude(submission_count=0)


def dossiers_in_scope_by_unit_ids(
    user: User, levels: list[tuple[str, Organization]] | None = None
) -> QuerySet[Dossier]:
    """dossiers_in_scope_of_reviewer, read as dossiers_of_units."""
    return dossiers_of_units(unit_ids_in_scope_of_reviewer(user, levels))


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
        Dossier.objects.select_related(
            "round", "applicant", "unit", "unit__registration_county__parent", "unit__parent__parent"
        )
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None or not dossier_visible_to(user, dossier):
        raise NotFound(NOT_FOUND_MESSAGE)
    return dossier
