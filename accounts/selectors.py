"""Read-side questions about people and organisations."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import Organization, Role, RoleAssignment, User


def user_roles(user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(user=user).select_related("organization")


def user_has_role(user: User, role: Role, organization: Organization | None = None) -> bool:
    if not user.is_authenticated:
        return False
    qs = RoleAssignment.objects.filter(user=user, role=role)
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs.exists()


def organizations_for_role(user: User, role: Role) -> list[Organization]:
    if not user.is_authenticated:
        return []
    return [ra.organization for ra in user_roles(user).filter(role=role)]


def applicant_unit(user: User) -> Organization | None:
    ra = user_roles(user).filter(role=Role.APPLICANT).first()
    return ra.organization if ra else None


def units() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=Organization.Kind.UNIT).select_related("registration_county")


def counties() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=Organization.Kind.COUNTY)


# Menu entries per role (label, url name); one entry per url even when a person holds several roles.
_NAV: list[tuple[Role, str, str]] = [
    (Role.APPLICANT, "我的申报", "dossiers:list"),
    (Role.UNIT_REVIEWER, "单位审核", "workflow:queue"),
    (Role.COUNTY_REVIEWER, "县（市）审核", "workflow:queue"),
    (Role.PREFECTURE_OFFICER, "州级形式审核", "workflow:queue"),
    # Officers' documents: annex 5 roster export and batch printing of evaluation forms (documents app).
    (Role.UNIT_REVIEWER, "花名册与评审表", "documents:roster"),
    (Role.COUNTY_REVIEWER, "花名册与评审表", "documents:roster"),
    (Role.PREFECTURE_OFFICER, "花名册与评审表", "documents:roster"),
    # Blind review: the expert's assigned dossiers, redacted content and opinions (committee app).
    (Role.EXPERT, "评审任务", "committee:review_list"),
    # The committee stage: the office's pages, the expert's defence sheets and ballot (committee app).
    (Role.PREFECTURE_OFFICER, "评审委员会", "committee:office"),
    (Role.EXPERT, "答辩与会议投票", "committee:vote"),
    # The office's register of confirmed fraud and its statistics (committee app).
    (Role.PREFECTURE_OFFICER, "弄虚作假记录", "committee:fraud_list"),
    (Role.PREFECTURE_OFFICER, "评审统计", "committee:stats"),
]


def roles_held(user: User) -> set[str]:
    """The role names the user holds (in any organisation)."""
    return set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))


def navigation_for(user: User, held: set[str] | None = None) -> list[dict[str, Any]]:
    """The menu of these roles (`held`: the user's own, read here when not given)."""
    held = roles_held(user) if held is None else held
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for role, label, url_name in _NAV:
        if role in held and url_name not in seen:
            items.append({"label": label, "url": reverse(url_name), "role": str(role)})
            seen.add(url_name)
    if user.is_staff:
        items.append({"label": "系统管理", "url": reverse("admin:index"), "role": "administrator"})
    return items
