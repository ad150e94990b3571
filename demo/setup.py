"""The demo set-up: the Bayingolin organisation tree, demo users of every role, the real 2023 round
and a demo copy of it whose filing window is open today."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from accounts.models import Organization, Role, User
from accounts.services import officer_create, role_assign
from rounds.models import Round
from rounds.services import round_create_demo, rounds_load_all

DEMO_PASSWORD = "Demo@2023pass"
BASE_ROUND = "bz-2023-highway"

COUNTIES = [
    ("BZ-KRL", "库尔勒市"),
    ("BZ-LT", "轮台县"),
    ("BZ-YL", "尉犁县"),
    ("BZ-RQ", "若羌县"),
    ("BZ-QM", "且末县"),
    ("BZ-YQ", "焉耆回族自治县"),
    ("BZ-HJ", "和静县"),
    ("BZ-HS", "和硕县"),
    ("BZ-BH", "博湖县"),
]


def make_credit_code(seed: str) -> str:
    """A checksum-valid unified social credit code (demo data only)."""
    digits = str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:9]
    body = f"91652801{digits}"
    return body + uscc.calc_check_digit(body)


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    unit_type: str
    unit_level: str
    county_code: str


DEMO_UNITS = [
    DemoUnit("U-BZGL", "巴音郭楞蒙古自治州公路管理局", "institution", "prefecture", "BZ-KRL"),
    DemoUnit("U-KRLJT", "库尔勒交通建设工程有限公司", "enterprise", "county", "BZ-KRL"),
    DemoUnit("U-QMYH", "且末县公路养护站", "institution", "below_county", "BZ-QM"),
    DemoUnit("U-LTYS", "轮台县汽车运输有限责任公司", "enterprise", "county", "BZ-LT"),
]

# (username, full name, role, organisation code)
DEMO_USERS = [
    ("demo_applicant", "李建国", Role.APPLICANT, "U-KRLJT"),
    ("demo_applicant2", "阿依古丽·买买提", Role.APPLICANT, "U-QMYH"),
    ("demo_unit", "王晓梅（单位人事）", Role.UNIT_REVIEWER, "U-KRLJT"),
    ("demo_unit_qm", "张海燕（单位人事）", Role.UNIT_REVIEWER, "U-QMYH"),
    ("demo_county", "赵志强（库尔勒市人社局）", Role.COUNTY_REVIEWER, "BZ-KRL"),
    ("demo_county_qm", "马丽（且末县人社局）", Role.COUNTY_REVIEWER, "BZ-QM"),
    ("demo_prefecture", "龚建（州评委会办公室）", Role.PREFECTURE_OFFICER, "BZ"),
    ("demo_expert", "评审专家甲", Role.EXPERT, "BZ"),
]


@transaction.atomic
def seed_organizations() -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    orgs["XJ"], _ = Organization.objects.get_or_create(
        code="XJ", defaults={"name": "新疆维吾尔自治区", "kind": Organization.Kind.REGION}
    )
    orgs["BZ"], _ = Organization.objects.get_or_create(
        code="BZ", defaults={"name": "巴音郭楞蒙古自治州", "kind": Organization.Kind.PREFECTURE, "parent": orgs["XJ"]}
    )
    for code, name in COUNTIES:
        orgs[code], _ = Organization.objects.get_or_create(
            code=code, defaults={"name": name, "kind": Organization.Kind.COUNTY, "parent": orgs["BZ"]}
        )
    for i, unit in enumerate(DEMO_UNITS):
        if Organization.objects.filter(code=unit.code).exists():
            orgs[unit.code] = Organization.objects.get(code=unit.code)
            continue
        org = Organization(
            code=unit.code,
            name=unit.name,
            kind=Organization.Kind.UNIT,
            parent=orgs[unit.county_code],
            unit_type=unit.unit_type,
            unit_level=unit.unit_level,
            registration_county=orgs[unit.county_code],
            credit_code=make_credit_code(f"MA{i:03d}X{i}") if unit.unit_type == "enterprise" else "",
        )
        org.full_clean()
        org.save()
        orgs[unit.code] = org
    return orgs


def demo_account(
    *, username: str, full_name: str, role: Role, organization: Organization, password: str = DEMO_PASSWORD
) -> User:
    """The demo user with this role in this organisation, created (through the accounts services) if missing."""
    user = User.objects.filter(username=username).first()
    if user is None:
        return officer_create(
            actor=None,
            username=username,
            password=password,
            full_name=full_name,
            role=role,
            organization=organization,
            email=f"{username}@example.invalid",
        )
    if not user.roles.filter(role=role, organization=organization).exists():
        role_assign(actor=None, user=user, role=role, organization=organization)
    return user


@transaction.atomic
def seed_users(orgs: dict[str, Organization]) -> list[tuple[str, str, str, str]]:
    """Create the demo users; returns (username, password, role label, organisation) rows to print."""
    rows = []
    for username, full_name, role, org_code in DEMO_USERS:
        demo_account(username=username, full_name=full_name, role=role, organization=orgs[org_code])
        rows.append((username, DEMO_PASSWORD, role.label, orgs[org_code].name))
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.invalid", DEMO_PASSWORD, full_name="系统管理员")
    rows.append(("admin", DEMO_PASSWORD, "系统管理员（/admin/）", "—"))
    return rows


def seed_rounds() -> list[Round]:
    loaded = rounds_load_all()
    demo = round_create_demo(base_slug=BASE_ROUND, today=timezone.localdate())
    return [*loaded, demo]
