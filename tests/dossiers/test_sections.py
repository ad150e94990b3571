"""Section rules where the notice is explicit, through the one validator (section_save)."""

from __future__ import annotations

import copy

import pytest

from core.errors import ValidationFailed
from demo.samples import sample_id_number, sample_sections
from dossiers import services
from dossiers.models import DossierSection
from tests.dossiers.conftest import fill_sections

pytestmark = pytest.mark.django_db


def save(dossier, actor, key, data):
    return services.section_save(dossier_id=dossier.pk, actor=actor, key=key, data=data)


def errors_of(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {e["path"]: e["message"] for e in exc.value.details["errors"]}


def test_every_section_saves_in_the_contract_shape(dossier, applicant):
    fill_sections(dossier, applicant)
    stored = {s.key: s.data for s in DossierSection.objects.filter(dossier=dossier)}
    assert set(stored) == set(sample_sections(dossier))
    assert stored["basic_info"]["birth_date"] == "1988-05-12"
    assert stored["work_history"]["rows"][1]["end"] is None
    assert stored["continuing_education"]["rows"][0]["hours"] == 30
    assert stored["current_title"]["issued_in_xinjiang"] is True


def test_id_number_checksum(dossier, applicant):
    data = sample_sections(dossier)["basic_info"]
    good = data["id_number"]
    data["id_number"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "basic_info", data)
    assert "校验不通过" in errors_of(exc)["id_number"]


def test_id_number_must_agree_with_birth_date_and_sex(dossier, applicant):
    data = sample_sections(dossier)["basic_info"]
    data["birth_date"] = "1988-05-13"
    data["sex"] = "女"  # sequence 301: 17th digit 1 is odd -> 男
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "basic_info", data)
    errors = errors_of(exc)
    assert "1988-05-12" in errors["birth_date"]
    assert "男" in errors["sex"]
    data.update(birth_date="1988-05-12", sex="女", id_number=sample_id_number(sequence="302"))
    save(dossier, applicant, "basic_info", data)


def test_required_fields_say_write_wu(dossier, applicant):
    data = sample_sections(dossier)["other_attachments"]
    data["note"] = ""
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "other_attachments", data)
    assert "无" in errors_of(exc)["note"]


def test_awards_need_rows_or_none(dossier, applicant):
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "awards", {"none": False, "rows": []})
    assert "无" in errors_of(exc)["rows"]


def test_education_from_lowest_to_highest(dossier, applicant):
    data = sample_sections(dossier)["education"]
    data["rows"].reverse()
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "education", data)
    assert "从低到高" in errors_of(exc)["rows.1.level"]


def test_work_history_gap_and_overlap_name_the_rows(dossier, applicant):
    data = sample_sections(dossier)["work_history"]
    gap = copy.deepcopy(data)
    gap["rows"][1]["start"] = "2015-09-01"
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "work_history", gap)
    assert "第 1 行与第 2 行之间有空档" in errors_of(exc)["rows.1.start"]
    overlap = copy.deepcopy(data)
    overlap["rows"][1]["start"] = "2015-01-01"
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "work_history", overlap)
    assert "重叠" in errors_of(exc)["rows.1.start"]
    open_middle = copy.deepcopy(data)
    open_middle["rows"][0]["end"] = None
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "work_history", open_middle)
    assert "只有最后一行" in errors_of(exc)["rows.0.end"]


def test_assessments_cover_the_last_years(dossier, applicant):
    year = dossier.round.policy.year
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "assessments", {"rows": [{"year": year - 1, "result": "pass"}]})
    assert f"{year - 3}" in errors_of(exc)["rows"] and f"{year - 2}" in errors_of(exc)["rows"]


def test_social_insurance_six_months_for_enterprise_staff(dossier, applicant):
    assert dossier.unit.unit_type == "enterprise"
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "social_insurance", {"months": 5, "note": "无"})
    assert "6 个月" in errors_of(exc)["months"]
    save(dossier, applicant, "social_insurance", {"months": 6, "note": "无"})


def test_social_insurance_may_be_wu_for_institution_staff(open_round, demo_users):
    other = demo_users["demo_applicant2"]  # 且末县公路养护站 (institution)
    dossier = services.dossier_create(actor=other, round_=open_round, level="junior", kind="evaluation")
    section = save(dossier, other, "social_insurance", {"months": None, "note": "无"})
    assert section.data == {"months": 0, "note": "无"}


def test_commitment_must_be_the_notice_text(dossier, applicant):
    data = sample_sections(dossier)["commitment"]
    data["text"] = data["text"].replace("真实有效", "真实")
    with pytest.raises(ValidationFailed) as exc:
        save(dossier, applicant, "commitment", data)
    assert "完全一致" in errors_of(exc)["text"]


def test_failed_save_keeps_the_previous_draft(dossier, applicant):
    good = sample_sections(dossier)["basic_info"]
    save(dossier, applicant, "basic_info", good)
    version = type(dossier).objects.get(pk=dossier.pk).version
    bad = {**good, "id_number": "123", "name": "改过的名字"}
    with pytest.raises(ValidationFailed):
        save(dossier, applicant, "basic_info", bad)
    assert DossierSection.objects.get(dossier=dossier, key="basic_info").data["name"] == "李建国"
    assert type(dossier).objects.get(pk=dossier.pk).version == version


def test_former_names_are_stored_as_a_clean_list_and_reach_masking(dossier, applicant):
    # 曾用名 is optional; whatever separators people type, the stored value is the names joined by 、, and
    # "无" or a stray single character never becomes a "name" the masking would cover everywhere.
    from masking.selectors import identifiers_for

    data = sample_sections(dossier)["basic_info"]
    save(dossier, applicant, "basic_info", {**data, "former_names": " 李小龙，李大龙; 无 王 李小龙"})
    stored = DossierSection.objects.get(dossier=dossier, key="basic_info").data
    assert stored["former_names"] == "李小龙、李大龙"
    names = identifiers_for(dossier).names
    assert {"李小龙", "李大龙", data["name"]} <= set(names) and "无" not in names and "王" not in names
    save(dossier, applicant, "basic_info", {**data, "former_names": "无"})
    assert DossierSection.objects.get(dossier=dossier, key="basic_info").data["former_names"] == ""
    assert "无" not in identifiers_for(dossier).names
