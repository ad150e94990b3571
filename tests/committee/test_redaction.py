"""Redaction of typed text for blind review: names (also former names and inside the work summary), ID
numbers, phone numbers and every employer's name leave the text; the content needed to judge stays."""

from __future__ import annotations

import pytest

from committee.redaction import (
    EMAIL_MARK,
    EMPLOYER_MARK,
    ID_MARK,
    NAME_MARK,
    PHONE_MARK,
    Identity,
    Redactor,
    identity_of,
    redact_text,
)
from dossiers.models import DossierSection

IDENTITY = Identity(
    names=("李建国", "李小龙", "阿依古丽·买买提"),
    id_numbers=("65280119900315123X",),
    phones=("13899990000",),
    employers=("库尔勒交通建设工程有限公司", "且末县公路养护站"),
)


@pytest.mark.parametrize(
    ("text", "gone", "mark"),
    [
        ("本人李建国，任现职以来主持路基施工。", "李建国", NAME_MARK),
        ("申报人 李 建 国 负责技术管理", "李 建 国", NAME_MARK),
        ("曾用名李小龙。", "李小龙", NAME_MARK),
        ("阿依古丽·买买提主持养护工程", "阿依古丽·买买提", NAME_MARK),
        ("阿依古丽 买买提主持养护工程", "阿依古丽 买买提", NAME_MARK),
        ("由阿依古丽负责", "阿依古丽", NAME_MARK),
        ("身份证 65280119900315123x", "65280119900315123x", ID_MARK),
        ("证件号 652801 19900315 123X", "652801 19900315 123X", ID_MARK),
        ("他人证件 110101199003074514 也不显示", "110101199003074514", ID_MARK),
        ("联系电话 138-9999-0000", "138-9999-0000", PHONE_MARK),
        ("电话 +86 139 1234 5678", "139 1234 5678", PHONE_MARK),
        ("办公电话 0996-2012345", "0996-2012345", PHONE_MARK),
        ("邮箱 ljg@example.com", "ljg@example.com", EMAIL_MARK),
        ("在库尔勒交通建设工程有限公司任技术员", "库尔勒交通建设工程有限公司", EMPLOYER_MARK),
        ("在库尔勒交通建设工程任技术员", "库尔勒交通建设工程", EMPLOYER_MARK),
        ("获且末县公路养护站先进个人称号", "且末县公路养护站", EMPLOYER_MARK),
        ("库尔勒 交通建设工程 有限公司优秀员工", "库尔勒 交通建设工程 有限公司", EMPLOYER_MARK),
    ],
)
def test_identifying_text_is_replaced(text: str, gone: str, mark: str) -> None:
    redacted = redact_text(text, IDENTITY)
    assert gone not in redacted
    assert mark in redacted


def test_judging_content_survives() -> None:
    text = (
        "2021年主持G218线改建工程，发表论文《盐渍土地区公路路基处治技术研究》（ISSN 1671-2579，2022年第3期），"
        "专利号 ZL202110123456.7，合格证书编号 GX-2021，学时 30。"
    )
    assert redact_text(text, IDENTITY) == text


def test_a_given_name_alone_that_is_a_common_word_is_kept() -> None:
    # "建国" alone is an ordinary word; only the whole name is redacted (a surname-less given name is not).
    assert redact_text("中华人民共和国建国以来", IDENTITY) == "中华人民共和国建国以来"


def test_a_short_company_core_is_not_redacted_as_a_word() -> None:
    identity = Identity(employers=("交通公司",))
    assert redact_text("交通公司职工", identity) == f"{EMPLOYER_MARK}职工"
    assert redact_text("交通运输", identity) == "交通运输"


def test_nested_values_are_redacted() -> None:
    redactor = Redactor(IDENTITY)
    value = {"rows": [{"unit": "且末县公路养护站", "year": 2021}], "text": "李建国"}
    assert redactor.value(value) == {"rows": [{"unit": EMPLOYER_MARK, "year": 2021}], "text": NAME_MARK}


def test_identity_of_reads_basic_info_work_history_unit_and_account(dossier) -> None:
    basic = dossier.sections.get(key="basic_info")
    basic.data = {**basic.data, "former_names": "李小龙、李大龙"}
    basic.save()
    DossierSection.objects.create(
        dossier=dossier,
        key="work_history",
        data={"rows": [{"unit": "库尔勒公路工程处", "start": "2010-07-01", "end": None, "position": "技术员"}]},
    )
    identity = identity_of(dossier)
    assert {"李建国", "李小龙", "李大龙", dossier.applicant.full_name} <= set(identity.names)
    assert identity.id_numbers == ("652801198503121234",)
    assert "13912345678" in identity.phones
    assert {dossier.unit.name, "库尔勒公路工程处"} <= set(identity.employers)


def test_employers_include_company_award_issuers_and_every_registered_unit(dossier, orgs) -> None:
    from accounts.models import Organization

    DossierSection.objects.create(
        dossier=dossier,
        key="awards",
        data={
            "none": False,
            "rows": [
                {"name": "先进个人", "issuer": "巴州路桥建设集团有限公司"},
                {"name": "优秀论文", "issuer": "巴音郭楞蒙古自治州交通运输局"},
            ],
        },
    )
    identity = identity_of(dossier)
    assert "巴州路桥建设集团有限公司" in identity.employers
    # A public body that awards is not an employer: its name is kept.
    assert "巴音郭楞蒙古自治州交通运输局" not in identity.employers
    units = set(Organization.objects.filter(kind=Organization.Kind.UNIT).values_list("name", flat=True))
    assert units and units <= set(identity.employers)
    other_unit = sorted(units - {dossier.unit.name})[0]
    assert EMPLOYER_MARK in redact_text(f"曾借调至{other_unit}工作", identity)
