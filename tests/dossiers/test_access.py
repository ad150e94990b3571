"""dossiers.access: the review chain written once, read up (organization_for_level) and down
(dossiers_under); visibility refuses an absent and a hidden dossier with the same typed error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Organization, Role, User
from core.errors import ErrorCode, NotFound, PermissionDenied
from dossiers.access import (
    LEVEL_ROLES,
    ReviewLevel,
    can_act_as,
    dossier_visible_to,
    dossiers_in_scope_of_reviewer,
    dossiers_under,
    next_review_level,
    organization_for_level,
    require_role,
    review_route,
    reviewer_levels,
    roles_remembered,
    units_under,
    visible_dossier,
)
from dossiers.models import Dossier
from dossiers.services import dossier_create
from tests.factories import UnitFactory, UserFactory, give_role

pytestmark = pytest.mark.django_db

# The chain as the apps spelled it before it had one home (workflow.scope, documents.selectors).
OLD_CHAIN: dict[str, Callable[[Organization], Q]] = {
    Organization.Kind.UNIT: lambda org: Q(unit=org),
    Organization.Kind.COUNTY: lambda org: Q(unit__registration_county=org),
    Organization.Kind.PREFECTURE: lambda org: Q(unit__registration_county__parent=org),
}


def _applicant_of(unit: Organization) -> User:
    return give_role(UserFactory.create(), Role.APPLICANT, unit)


@pytest.fixture
def spread(orgs, open_round) -> list[Dossier]:
    """One dossier in each demo unit, plus one of a unit filed under 轮台县 but registered in 且末县:
    routing follows the registration place (notice 4(三)), not the parent in the tree."""
    elsewhere = UnitFactory.create(parent=orgs["BZ-LT"], registration_county=orgs["BZ-QM"])
    units = [orgs[code] for code in ("U-BZGL", "U-KRLJT", "U-QMYH", "U-LTYS")] + [elsewhere]
    return [
        dossier_create(actor=_applicant_of(unit), round_=open_round, level="mid", kind="evaluation") for unit in units
    ]


def _ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_dossiers_under_gives_the_old_chain_at_every_level_except_for_direct_units(orgs, spread) -> None:
    organizations = Organization.objects.exclude(kind=Organization.Kind.REGION)
    assert {o.kind for o in organizations} == set(OLD_CHAIN)
    direct = spread[0]  # 州公路管理局: a prefecture-level institution (州直) has no county step (issue 10)
    for org in organizations:
        expected = _ids(Dossier.objects.filter(OLD_CHAIN[org.kind](org)))
        if org.kind == Organization.Kind.COUNTY:
            expected.discard(direct.pk)
        assert _ids(dossiers_under(org)) == expected, org.code
    # The region, or no organisation, covers every dossier.
    assert _ids(dossiers_under(orgs["XJ"])) == _ids(dossiers_under(None)) == {d.pk for d in spread}


def test_registration_place_decides_the_county(orgs, spread) -> None:
    elsewhere = spread[-1]
    assert elsewhere.pk in _ids(dossiers_under(orgs["BZ-QM"]))
    assert elsewhere.pk not in _ids(dossiers_under(orgs["BZ-LT"]))
    assert elsewhere.unit in units_under(orgs["BZ-QM"])
    assert elsewhere.unit not in units_under(orgs["BZ-LT"])
    assert elsewhere.unit in units_under(orgs["BZ"])


def test_up_and_down_the_chain_agree(spread) -> None:
    for dossier in spread:
        route = review_route(dossier)
        for level in ReviewLevel:
            org = organization_for_level(dossier, level)
            if level not in route:
                assert org is None
                continue
            assert org is not None and org.kind == level.value
            assert dossier.pk in _ids(dossiers_under(org)), (dossier.unit.code, level)
            assert dossier.unit in units_under(org) or level == ReviewLevel.UNIT
    assert organization_for_level(spread[0], "nowhere") is None


def _as_submitted(dossier: Dossier) -> Dossier:
    # A draft never leaves the applicant; this puts it where reviewers see it without running the
    # workflow engine, which is not what these tests are about.
    Dossier.objects.filter(pk=dossier.pk).update(status="submitted", submission_count=1)
    dossier.refresh_from_db()
    return dossier


def test_visible_dossier_refuses_absent_and_hidden_alike(demo_users, spread) -> None:
    mine = spread[1]  # 库尔勒交通建设工程有限公司
    stranger = demo_users["demo_applicant2"]
    county_qm = demo_users["demo_county_qm"]
    absent = max(d.pk for d in spread) + 1000

    assert visible_dossier(mine.applicant, mine.pk) == mine
    refusals = []
    for user, dossier_id in [(stranger, absent), (stranger, mine.pk), (county_qm, mine.pk), (None, mine.pk)]:
        with pytest.raises(NotFound) as exc:
            visible_dossier(user, dossier_id)
        refusals.append((exc.value.code, exc.value.message))
    assert len(set(refusals)) == 1 and refusals[0][0] == ErrorCode.NOT_FOUND

    # The unit's reviewer sees it only once it has left the applicant's hands.
    assert not dossier_visible_to(demo_users["demo_unit"], mine)
    _as_submitted(mine)
    assert visible_dossier(demo_users["demo_unit"], mine.pk) == mine
    assert visible_dossier(demo_users["demo_county"], mine.pk) == mine
    assert visible_dossier(demo_users["demo_prefecture"], mine.pk) == mine
    with pytest.raises(NotFound):
        visible_dossier(county_qm, mine.pk)
    assert _ids(dossiers_in_scope_of_reviewer(demo_users["demo_county"])) == {mine.pk}


def test_pages_and_api_answer_404_for_absent_and_hidden_alike(demo_users, spread) -> None:
    mine = spread[1]
    client = Client()
    client.force_login(demo_users["demo_applicant2"])
    for dossier_id in (mine.pk, max(d.pk for d in spread) + 1000):
        api = client.get(f"/api/eligibility/dossiers/{dossier_id}")
        assert api.status_code == 404 and api.json()["code"] == "not_found"
        assert client.get(reverse("eligibility:dossier_panel", args=[dossier_id])).status_code == 404
    client.force_login(mine.applicant)
    assert client.get(f"/api/eligibility/dossiers/{mine.pk}").status_code == 200
    assert client.get(reverse("eligibility:dossier_panel", args=[mine.pk])).status_code == 200


def test_require_role_refuses_with_the_typed_error(demo_users, orgs) -> None:
    unit_reviewer = demo_users["demo_unit"]
    require_role(unit_reviewer, Role.UNIT_REVIEWER)
    require_role(unit_reviewer, Role.UNIT_REVIEWER, orgs["U-KRLJT"])
    for user, organization in [(unit_reviewer, orgs["U-QMYH"]), (None, None), (demo_users["demo_county"], None)]:
        with pytest.raises(PermissionDenied) as exc:
            require_role(user, Role.UNIT_REVIEWER, organization)
        assert exc.value.code == ErrorCode.PERMISSION_DENIED


def test_direct_units_go_unit_to_prefecture_others_by_their_county(orgs, spread) -> None:
    """Notice 四(三): enterprises by registration place, other units by the county they belong to; units
    directly under the prefecture (州直) skip the county (issue 10 point 9)."""
    direct, enterprise = spread[0], spread[1]
    assert review_route(direct) == ["unit", "prefecture"]
    assert next_review_level(direct, "unit") == "prefecture"
    assert organization_for_level(direct, "prefecture") == orgs["BZ"]
    assert direct.pk not in _ids(dossiers_under(orgs["BZ-KRL"]))
    assert direct.pk in _ids(dossiers_under(orgs["BZ"]))
    assert review_route(enterprise) == ["unit", "county", "prefecture"]
    assert next_review_level(enterprise, "unit") == "county"
    assert next_review_level(enterprise, "prefecture") is None
    # An institution registered elsewhere is routed by the county it belongs to, not the registration place.
    school = UnitFactory.create(
        parent=orgs["BZ-LT"], registration_county=orgs["BZ-QM"], unit_type="institution", credit_code=""
    )
    dossier = dossier_create(actor=_applicant_of(school), round_=spread[0].round, level="mid", kind="evaluation")
    assert organization_for_level(dossier, "county") == orgs["BZ-LT"]
    assert dossier.pk in _ids(dossiers_under(orgs["BZ-LT"])) and dossier.pk not in _ids(dossiers_under(orgs["BZ-QM"]))
    # An institution hung directly under the prefecture is 州直 whatever its level.
    office = UnitFactory.create(
        parent=orgs["BZ"], registration_county=orgs["BZ-KRL"], unit_type="government", credit_code=""
    )
    dossier = dossier_create(actor=_applicant_of(office), round_=spread[0].round, level="mid", kind="evaluation")
    assert review_route(dossier) == ["unit", "prefecture"]
    assert office in units_under(orgs["BZ"]) and office not in units_under(orgs["BZ-KRL"])


def test_roles_remembered_reads_a_users_roles_once_for_levels_and_checks(demo_users, spread) -> None:
    """Inside roles_remembered the reviewer levels and can_act_as answer from one read of the user's roles,
    nested blocks included (the queue page's bulk menu runs in the page's block); outside it each call reads
    again, and the answers are the same either way."""
    user = demo_users["demo_county"]
    role = LEVEL_ROLES[ReviewLevel.COUNTY]
    outside = (reviewer_levels(user), [can_act_as(user, role, d) for d in spread])
    assert any(outside[1]) and not all(outside[1])
    with CaptureQueriesContext(connection) as ctx, roles_remembered():
        levels = reviewer_levels(user)
        with roles_remembered():
            allowed = [can_act_as(user, role, d) for d in spread]
        assert reviewer_levels(user) == levels
    assert (levels, allowed) == outside
    assert len([q for q in ctx.captured_queries if "accounts_roleassignment" in q["sql"]]) == 1
