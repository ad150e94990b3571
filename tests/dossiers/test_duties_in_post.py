"""Issue 10 points 1, 2 and 10 on real dossiers: assessments are owed only for years in post (two images per
year row), continuing education only from the year work started, and one diploma + one CHSI record per
education row. A 2023 master's graduate applying for 初次确定 (junior) can fill, pass the self-check and submit."""

from __future__ import annotations

from typing import Any

import pytest

from core.errors import ValidationFailed
from demo.samples import sample_sections
from dossiers import services
from dossiers.selectors import dossier_completeness
from eligibility.selectors import dossier_self_check
from tests.dossiers.conftest import fill_sections, upload, upload_required
from tests.dossiers.test_services import confirm_masking
from workflow.actions import act

pytestmark = pytest.mark.django_db


def save(dossier, actor, key: str, data: dict[str, Any]) -> None:
    services.section_save(dossier_id=dossier.pk, actor=actor, key=key, data=data)


def fresh_graduate_sections(dossier) -> dict[str, dict[str, Any]]:
    """A master's graduate of the round year who started work that July: no title, no assessments, CE of
    the round year only."""
    year = dossier.round.policy.year
    data = sample_sections(dossier, name="王新", birth="19980305")
    data["basic_info"]["started_work"] = f"{year}-07-10"
    data["education"]["rows"] = [
        {
            "level": "master",
            "school": "长安大学",
            "major": "交通运输工程",
            "start": f"{year - 3}-09-01",
            "graduated": f"{year}-06-30",
            "degree": "工学硕士",
        }
    ]
    data["current_title"] = {"has_title": False, "professional_years": 0}
    data["work_history"]["rows"] = [
        {"start": f"{year}-07-10", "end": None, "unit": dossier.unit.name, "position": "技术员"}
    ]
    data["papers"] = {"none": True, "rows": []}
    data["assessments"] = {"rows": []}
    data["continuing_education"]["rows"] = [
        {"year": year, "type": "public", "hours": 30, "certificate_no": f"GX-{year}"},
        {"year": year, "type": "professional", "hours": 60, "certificate_no": f"ZY-{year}"},
    ]
    return data


def test_a_2023_masters_graduate_fills_passes_the_self_check_and_submits(open_round, applicant):
    dossier = services.dossier_create(actor=applicant, round_=open_round, level="junior", kind="initial")
    for key, data in fresh_graduate_sections(dossier).items():
        save(dossier, applicant, key, data)
    for section, doc_type in [
        ("basic_info", "id_front"),
        ("basic_info", "id_back"),
        ("basic_info", "photo"),
        ("social_insurance", "insurance_statement"),
        ("education", "diploma"),
        ("education", "chsi_record"),
        ("achievements", "achievement_proof"),
        ("continuing_education", "ce_certificate"),
        ("commitment", "signed_commitment"),
    ]:
        upload(dossier, applicant, section, doc_type)
    confirm_masking(dossier, applicant)

    completeness = dossier_completeness(dossier)
    assert completeness.complete, [(s.key, s.missing) for s in completeness.sections if not s.ok]
    result = dossier_self_check(dossier)
    assert result.eligible and result.complete, [(c.rule, c.reason) for c in result.checks]
    assert result.fee == 100 and result.defence_exempt
    ce = next(c for c in result.checks if c.rule == "continuing_education")
    assert "此前年份不要求" in ce.reason

    act(action="submit", dossier_id=dossier.pk, actor=applicant)
    dossier.refresh_from_db()
    assert dossier.status == "submitted" and dossier.submission_count == 1


def test_assessment_rows_are_owed_only_for_years_in_post(dossier, applicant):
    year = dossier.round.policy.year
    fill_sections(dossier, applicant)
    basic = sample_sections(dossier)["basic_info"]
    save(dossier, applicant, "basic_info", {**basic, "started_work": f"{year - 2}-03-01"})
    # Two years in post before the round year: those two rows are enough …
    save(
        dossier,
        applicant,
        "assessments",
        {"rows": [{"year": year - 2, "result": "pass"}, {"year": year - 1, "result": "pass"}]},
    )
    # … and one of them missing is refused, naming it.
    with pytest.raises(ValidationFailed, match=f"{year - 1} 年"):
        save(dossier, applicant, "assessments", {"rows": [{"year": year - 2, "result": "pass"}]})
    # Someone who started work in the round year owes none.
    save(dossier, applicant, "basic_info", {**basic, "started_work": f"{year}-02-01"})
    save(dossier, applicant, "assessments", {"rows": []})
    assert dossier_completeness(dossier).section("assessments").missing == []


def test_a_full_three_years_still_required_of_someone_in_post_longer(dossier, applicant):
    year = dossier.round.policy.year
    fill_sections(dossier, applicant)
    with pytest.raises(ValidationFailed, match=f"{year - 3}"):
        save(
            dossier,
            applicant,
            "assessments",
            {"rows": [{"year": year - 2, "result": "pass"}, {"year": year - 1, "result": "pass"}]},
        )


def test_each_assessment_year_needs_both_sides(dossier, applicant):
    fill_sections(dossier, applicant)
    for _ in range(5):
        upload(dossier, applicant, "assessments", "assessment_form")
    missing = dossier_completeness(dossier).section("assessments").missing
    assert any("至少 6 张，已传 5 张" in m for m in missing), missing
    upload(dossier, applicant, "assessments", "assessment_form")
    assert dossier_completeness(dossier).section("assessments").missing == []


def test_one_diploma_and_one_chsi_record_per_education_row(dossier, applicant):
    fill_sections(dossier, applicant)  # two education rows
    upload(dossier, applicant, "education", "diploma")
    upload(dossier, applicant, "education", "chsi_record")
    missing = dossier_completeness(dossier).section("education").missing
    assert any("毕业证书" in m and "至少 2 张，已传 1 张" in m for m in missing), missing
    assert any("备案表" in m and "至少 2 张，已传 1 张" in m for m in missing), missing
    upload(dossier, applicant, "education", "diploma")
    upload(dossier, applicant, "education", "chsi_record")
    assert dossier_completeness(dossier).section("education").missing == []


def test_the_sample_dossier_with_its_required_uploads_is_complete(dossier, applicant):
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    confirm_masking(dossier, applicant)
    assert dossier_completeness(dossier).complete


def test_platform_limits_are_labelled_as_the_platforms_own(dossier, applicant):
    """Issue 10 point 6: the notice sets neither the work-summary minimum nor the file limits."""
    policy = dossier.round.policy
    assert policy.section("work_summary")["min_chars_source"].startswith("platform")
    assert policy.attachments["limits_source"].startswith("platform")
    with pytest.raises(ValidationFailed, match="本平台要求，通知未规定字数"):
        save(dossier, applicant, "work_summary", {"text": "认真履行岗位职责。"})
