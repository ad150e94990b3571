"""Test helpers: real JPGs generated with Pillow, and valid section data for every section."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from dossiers.models import Dossier


def jpeg_bytes(
    width: int = 800,
    height: int = 600,
    *,
    color: str = "white",
    exif_orientation: int | None = None,
    text: str = "scan",
) -> bytes:
    img = Image.new("RGB", (width, height), color)
    ImageDraw.Draw(img).rectangle([20, 20, width // 2, height // 2], outline="black", width=5)
    ImageDraw.Draw(img).text((30, 30), text, fill="black")
    out = io.BytesIO()
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        exif[0x010F] = "SecretCameraMaker"
        img.save(out, format="JPEG", exif=exif.tobytes())
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def png_bytes(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


# 11010519900307001X-like numbers are computed, not typed: the 17th digit decides the sex.
def id_number(birth: str = "19880512", sequence: str = "301", area: str = "652801") -> str:
    from stdnum.cn import ric

    body = f"{area}{birth}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def valid_sections(dossier: Dossier) -> dict[str, dict[str, Any]]:
    """Complete, valid data for every form section of a dossier in its round."""
    policy = dossier.round.policy
    year = policy.year
    n_years = int(policy.section("assessments").get("years", 3))
    return {
        "basic_info": {
            "name": "李建国",
            "sex": "男",
            "ethnicity": "汉族",
            "political_status": "中共党员",
            "id_number": id_number(),
            "birth_date": "1988-05-12",
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
            "professional_years": 13,
        },
        "work_history": {
            "rows": [
                {"start": "2010-07-01", "end": "2015-06-30", "unit": "库尔勒公路工程处", "position": "技术员"},
                {
                    "start": "2015-07-01",
                    "end": None,
                    "unit": "库尔勒交通建设工程有限公司",
                    "position": "工程技术部副部长",
                },
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
        "commitment": {"text": policy.text("commitment"), "signed_on": dossier.created_at.date().isoformat()},
    }


# doc types to upload for a complete dossier with valid_sections() data
REQUIRED_UPLOADS: list[tuple[str, str]] = [
    ("basic_info", "id_front"),
    ("basic_info", "id_back"),
    ("basic_info", "photo"),
    ("social_insurance", "insurance_statement"),
    ("education", "diploma"),
    ("education", "chsi_record"),
    ("current_title", "title_document"),
    ("current_title", "title_certificate"),
    ("achievements", "achievement_proof"),
    ("papers", "paper"),
    ("assessments", "assessment_form"),
    ("assessments", "assessment_form"),
    ("assessments", "assessment_form"),
    ("continuing_education", "ce_certificate"),
    ("commitment", "signed_commitment"),
]
