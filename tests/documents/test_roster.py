"""申报人员花名册 (annex 5): the export_roster command of SPEC 7 and the officers' roster page."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, RoleAssignment
from dossiers.models import Dossier
from tests.documents.conftest import make_dossier, walk_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Notice 附件5, copied from the notice (not imported from the code under test).
ANNEX_5_COLUMNS = [
    "序号", "姓名", "性别", "族别", "政治面貌", "身份证号码", "现任专业技术职务",
    "获现任专业技术职务时间", "拟晋升专业技术职务", "工作单位", "是否通过", "备注",
]  # fmt: skip


def _applicant(unit):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=Role.APPLICANT, organization=unit)
    return user


@pytest.fixture
def population(open_round, orgs):
    """Three KRLJT dossiers at the committee, one QMYH; one draft and one still at the county (not listed)."""
    krl, qm = orgs["U-KRLJT"], orgs["U-QMYH"]
    made = {}
    for key, unit, level, kind, name, id_number in [
        ("initial", krl, "junior", "initial", "张三", "652801199501010011"),
        ("conferral", krl, "mid", "conferral", "李四", "652801199202020022"),
        ("evaluation", krl, "mid", "evaluation", "王五", "652801198803030033"),
        ("qiemo", qm, "mid", "evaluation", "阿依古丽·买买提", "652825199004040044"),
        ("draft", krl, "mid", "evaluation", "赵六", "652801199005050055"),
        ("county", krl, "mid", "evaluation", "钱七", "652801199006060066"),
    ]:
        dossier = make_dossier(
            round_=open_round, applicant=_applicant(unit), unit=unit, level=level, kind=kind, name=name,
            id_number=id_number, with_photo=False,
        )  # fmt: skip
        if key == "county":
            dossier = walk_to(dossier, "county_review")
        elif key != "draft":
            dossier = walk_to(dossier)
        made[key] = dossier
    return made


def _sheet(path_or_bytes):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    return openpyxl.load_workbook(source).active


def _values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_export_roster_for_a_unit(population, open_round, tmp_path):
    out = tmp_path / "roster.xlsx"
    call_command("export_roster", "--round", open_round.slug, "--unit", "U-KRLJT", "--out", str(out))
    rows = _values(_sheet(out))
    assert (
        rows[0][0]
        == f"{open_round.year} 年度 公路与运输 专业职称申报人员花名册\n单位（盖章）：库尔勒交通建设工程有限公司"
    )
    assert rows[1] == ANNEX_5_COLUMNS
    data = rows[2:]
    assert [r[1] for r in data] == ["张三", "李四", "王五"]  # the draft and the county-stage dossier are not listed
    assert [r[0] for r in data] == [1, 2, 3]
    first = dict(zip(ANNEX_5_COLUMNS, data[0], strict=True))
    assert first == {
        "序号": 1,
        "姓名": "张三",
        "性别": "男",
        "族别": "汉族",
        "政治面貌": "中共党员",
        "身份证号码": "652801199501010011",
        "现任专业技术职务": "助理工程师",
        "获现任专业技术职务时间": "2018-12-20",
        "拟晋升专业技术职务": "助理工程师",
        "工作单位": "库尔勒交通建设工程有限公司",
        "是否通过": None,  # no vote yet
        "备注": "初定",
    }
    assert [r[-1] for r in data] == ["初定", "授予", "评审"]
    assert [r[8] for r in data] == ["助理工程师", "工程师", "工程师"]


def test_export_roster_for_the_whole_round_and_verdicts(population, open_round, tmp_path):
    # A later committee state (as the committee app writes after its vote) still counts and shows 是否通过.
    Dossier.objects.filter(pk=population["evaluation"].pk).update(status="passed")
    out = tmp_path / "all.xlsx"
    call_command("export_roster", "--round", open_round.slug, "--out", str(out))
    rows = _values(_sheet(out))
    assert "\n单位（盖章）：" in rows[0][0]
    assert rows[1] == ANNEX_5_COLUMNS
    names = [r[1] for r in rows[2:]]
    assert sorted(names) == sorted(["张三", "李四", "王五", "阿依古丽·买买提"])
    verdicts = {r[1]: r[10] for r in rows[2:]}
    assert verdicts["王五"] == "是" and verdicts["张三"] is None


def test_roster_of_a_county_lists_units_registered_there(population, open_round, tmp_path):
    out = tmp_path / "qm.xlsx"
    call_command("export_roster", "--round", open_round.slug, "--unit", "BZ-QM", "--out", str(out))
    rows = _values(_sheet(out))
    assert [r[1] for r in rows[2:]] == ["阿依古丽·买买提"]
    assert rows[2][9] == "且末县公路养护站"


def test_export_roster_refuses_bad_arguments(round_2023, orgs, tmp_path):
    with pytest.raises(CommandError, match="未找到评审批次"):
        call_command("export_roster", "--round", "no-such-round", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="未找到单位代码"):
        call_command("export_roster", "--round", "bz-2023-highway", "--unit", "NOPE", "--out", str(tmp_path / "x.xlsx"))
    out = tmp_path / "empty.xlsx"
    call_command("export_roster", "--round", "bz-2023-highway", "--out", str(out))
    rows = _values(_sheet(out))
    assert rows[0][0] == "2023 年度 公路与运输 专业职称申报人员花名册\n单位（盖章）：巴音郭楞蒙古自治州（全批次汇总）"
    assert rows[1] == ANNEX_5_COLUMNS and len(rows) == 2


def test_roster_page_for_officers_within_their_scope(population, open_round, client, demo_users):
    client.force_login(demo_users["demo_unit"])
    assert client.get(reverse("documents:roster")).status_code == 200
    response = client.post(reverse("documents:roster"), {"round": open_round.slug, "organization": "U-KRLJT"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = _values(_sheet(b"".join(response.streaming_content)))
    assert rows[1] == ANNEX_5_COLUMNS and len(rows) == 5

    refused = client.post(reverse("documents:roster"), {"round": open_round.slug, "organization": "U-QMYH"})
    assert refused.status_code == 403

    client.force_login(demo_users["demo_applicant"])
    assert client.get(reverse("documents:roster")).status_code == 403

    client.force_login(demo_users["demo_prefecture"])
    api = client.get("/api/documents/roster", {"round": open_round.slug, "organization": "BZ"})
    assert api.status_code == 200
    assert len(_values(_sheet(b"".join(api.streaming_content)))) == 6
