from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organization, Role, RoleAssignment
from demo.setup import COUNTIES, make_credit_code
from tests.factories import UserFactory


def test_demo_tree_has_the_prefecture_and_its_nine_counties(orgs):
    bz = Organization.objects.get(code="BZ")
    assert bz.kind == Organization.Kind.PREFECTURE
    assert bz.parent.name == "新疆维吾尔自治区"
    names = sorted(bz.children.filter(kind="county").values_list("name", flat=True))
    assert names == sorted(name for _, name in COUNTIES)
    assert len(names) == 9


def test_unit_routes_to_its_registration_county_and_prefecture(orgs):
    unit = orgs["U-QMYH"]
    assert unit.county.name == "且末县"
    assert unit.prefecture.code == "BZ"


def _enterprise(orgs, **kwargs):
    defaults = dict(
        code="U-NEW",
        name="测试企业",
        kind=Organization.Kind.UNIT,
        unit_type=Organization.UnitType.ENTERPRISE,
        unit_level=Organization.UnitLevel.COUNTY,
        registration_county=orgs["BZ-KRL"],
        credit_code=make_credit_code("TEST001"),
    )
    defaults.update(kwargs)
    return Organization(**defaults)


def test_enterprise_with_valid_credit_code_passes(orgs):
    _enterprise(orgs).full_clean()


@pytest.mark.parametrize("code", ["", "91652801MA0000001X", "91652801MA00000001"])
def test_enterprise_credit_code_is_checked(orgs, code):
    valid = make_credit_code("TEST001")
    if code == "91652801MA00000001":
        # Same body with a different check character than the computed one.
        code = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        _enterprise(orgs, credit_code=code).full_clean()
    assert "credit_code" in exc.value.message_dict


def test_unit_without_registration_county_is_refused(orgs):
    with pytest.raises(ValidationError) as exc:
        _enterprise(orgs, registration_county=None).full_clean()
    assert "registration_county" in exc.value.message_dict


def test_county_reviewer_role_must_be_scoped_to_a_county(orgs):
    user = UserFactory()
    assignment = RoleAssignment(user=user, role=Role.COUNTY_REVIEWER, organization=orgs["U-KRLJT"])
    with pytest.raises(ValidationError):
        assignment.full_clean()
    RoleAssignment(user=user, role=Role.COUNTY_REVIEWER, organization=orgs["BZ-KRL"]).full_clean()
