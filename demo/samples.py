"""A complete, valid dossier's content: the data of every form section (the section data contract) and the
scans a complete dossier uploads. The demo set-up files its dossiers with it and the tests fill theirs, so
both follow one definition of what a complete mid-level evaluation looks like."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from stdnum.cn import ric

from dossiers.models import Dossier

# (section, doc type) of the uploads that complete a dossier filled with sample_sections().
REQUIRED_UPLOADS: list[tuple[str, str]] = [
    ("basic_info", "id_front"),
    ("basic_info", "id_back"),
    ("basic_info", "photo"),
    ("social_insurance", "insurance_statement"),
    # One diploma and one CHSI record per education row (two rows below).
    ("education", "diploma"),
    ("education", "chsi_record"),
    ("education", "diploma"),
    ("education", "chsi_record"),
    ("current_title", "title_document"),
    ("current_title", "title_certificate"),
    ("achievements", "achievement_proof"),
    ("papers", "paper"),
    # Both sides (正、反面) of each of the three years' forms.
    *[("assessments", "assessment_form")] * 6,
    ("continuing_education", "ce_certificate"),
    ("commitment", "signed_commitment"),
]


def sample_id_number(birth: str = "19880512", sequence: str = "301", area: str = "652801") -> str:
    """A valid resident ID number; computed, not typed, because the check digit must hold (GB 11643).
    The sequence's last digit is the sex: odd for men, even for women."""
    body = f"{area}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def sample_sections(
    dossier: Dossier, *, name: str = "李建国", sex: str = "男", birth: str = "19880512"
) -> dict[str, dict[str, Any]]:
    """Complete, valid data for every form section of a mid-level evaluation dossier in its round."""
    policy = dossier.round.policy
    year = policy.year
    n_years = int(policy.section("assessments").get("years", 3))
    # Signed the day the dossier was opened: never in the future, also when the demo moves the clock back.
    signed_on = timezone.localdate(dossier.created_at).isoformat()
    return {
        "basic_info": {
            "name": name,
            "sex": sex,
            "ethnicity": "汉族",
            "political_status": "中共党员",
            "id_number": sample_id_number(birth, sequence="301" if sex == "男" else "302"),
            "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
            "phone": "13899990000",
            "email": "无",
            "started_work": "2010-07-01",
            "retired": False,
            "civil_servant": False,
            "special_assignments": [],
        },
        "social_insurance": {"months": 24, "note": "养老保险个人缴费对账单"},
        "education": {
            "rows": [
                {
                    "level": "associate",
                    "school": "新疆交通职业技术学院",
                    "major": "道路桥梁工程技术",
                    "start": "2004-09-01",
                    "graduated": "2007-07-01",
                    "degree": "无",
                },
                {
                    "level": "bachelor",
                    "school": "长安大学",
                    "major": "交通工程",
                    "start": "2007-09-01",
                    "graduated": "2010-07-01",
                    "degree": "工学学士",
                },
            ]
        },
        "current_title": {
            "has_title": True,
            "title_name": "助理工程师",
            "level": "junior",
            "obtained": "2016-12-01",
            "appointed": "2017-01-01",
            "issued_in_xinjiang": True,
            "transferred_from_government": False,
            "professional_years": year - 2010,
        },
        "work_history": {
            "rows": [
                {"start": "2010-07-01", "end": "2015-06-30", "unit": "库尔勒公路工程处", "position": "技术员"},
                {"start": "2015-07-01", "end": None, "unit": dossier.unit.name, "position": "工程技术部副部长"},
            ]
        },
        "achievements": {"text": "主持完成库尔勒至尉犁公路养护工程技术管理。"},
        "awards": {"none": True, "rows": []},
        "intellectual_property": {"none": True, "rows": []},
        "papers": {
            "none": False,
            "rows": [
                {
                    "title": "沥青路面预防性养护技术研究",
                    "journal": "新疆交通科技",
                    "issue": "CN65-1000/U 2021(3)",
                    "published_on": "2021-06-01",
                    "rank": "第一作者",
                },
            ],
        },
        "assessments": {"rows": [{"year": y, "result": "pass"} for y in range(year - n_years, year)]},
        "work_summary": {"text": "任现职以来，" + "认真履行岗位职责，负责公路工程施工技术管理与质量控制。" * 12},
        # Notice 五(一)12 for a mid-level applicant: public courses of the last 5 years, professional of the last 3.
        "continuing_education": {
            "exempt": False,
            "rows": [
                *(
                    {"year": y, "type": "public", "hours": 30, "certificate_no": f"GX-{y}"}
                    for y in range(year - 4, year + 1)
                ),
                *(
                    {"year": y, "type": "professional", "hours": 60, "certificate_no": f"ZY-{y}"}
                    for y in range(year - 2, year + 1)
                ),
            ],
        },
        "other_attachments": {"note": "无"},
        # Signed the day the dossier was opened: never in the future, also when the demo moves the clock back.
        "commitment": {"text": policy.text("commitment"), "signed_on": signed_on},
    }
