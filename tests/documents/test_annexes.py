"""Annexes 1-4 filled from the dossier, read back from PDF (pypdf, pdffonts) and DOCX (python-docx)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import docx
import pypdf
import pytest

from core.errors import DomainError, PermissionDenied
from documents.models import DocumentKind, FileFormat, GeneratedDocument
from documents.services import (
    ce_exemption_generate,
    commitment_letter_generate,
    publicity_notice_generate,
    publicity_result_generate,
)
from tests.documents.conftest import ID_NUMBER, walk_to
from tests.documents.pdf_tools import missing_glyphs, page_texts, pdffonts_rows

pytestmark = pytest.mark.django_db

START, END = dt.date(2023, 8, 21), dt.date(2023, 8, 25)


def _read(document: GeneratedDocument) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def _pdf_text(document: GeneratedDocument, tmp_path: Path) -> str:
    data = _read(document)
    path = tmp_path / f"{document.pk}.pdf"
    path.write_bytes(data)
    assert all(f["emb"] == "yes" for f in pdffonts_rows(path))
    text = "".join("".join(page_texts(data)).split())
    assert missing_glyphs(text) == set()
    return text


def _docx_text(document: GeneratedDocument) -> str:
    return "".join("".join(p.text for p in docx.Document(io.BytesIO(_read(document))).paragraphs).split())


@pytest.fixture
def unit_dossier(draft_dossier):
    return walk_to(draft_dossier, "unit_review")


def test_publicity_notice_pdf_and_docx(unit_dossier, demo_users, tmp_path):
    reviewer = demo_users["demo_unit"]
    pdf = publicity_notice_generate(
        dossier=unit_dossier, start=START, end=END, contact="单位人事科，监督电话：0996-2024500", actor=reviewer
    )
    assert (pdf.kind, pdf.file_format, pdf.dossier_id) == (
        DocumentKind.PUBLICITY_NOTICE,
        FileFormat.PDF,
        unit_dossier.pk,
    )
    assert pdf.created_by == reviewer
    text = _pdf_text(pdf, tmp_path)
    for expected in [
        "推荐单位公示",
        "现对李建国同志申报工程系列公路与运输专业中级（工程师）专业技术任职资格进行公示",
        "性别：男",
        "族别：汉族",
        "政治面貌：中共党员",
        "身份证号：6528**********1234",
        "现任专业技术职务任职资格：助理工程师（2018年12月20日取得）",
        "思想政治条件：",
        "业绩成果：主持G218线",
        "公示时间从2023年8月21日起至2023年8月25日止",
        "不少于5个工作日",
        "单位人事科，监督电话：0996-2024500",
        "签字：（单位负责人签字）",
        "库尔勒交通建设工程有限公司（推荐单位公章）",
    ]:
        assert expected in text, expected
    # Posted publicly inside the unit: never the full ID number.
    assert ID_NUMBER not in text

    docx_doc = GeneratedDocument.objects.get(
        dossier=unit_dossier, kind=DocumentKind.PUBLICITY_NOTICE, file_format="docx"
    )
    docx_text = _docx_text(docx_doc)
    assert "现对李建国同志申报" in docx_text and "公示时间从2023年8月21日起至2023年8月25日止" in docx_text


def test_publicity_result_without_objections(unit_dossier, demo_users, tmp_path):
    pdf = publicity_result_generate(
        dossier=unit_dossier, start=START, end=END, working_days=5, objections="无", actor=demo_users["demo_unit"]
    )
    text = _pdf_text(pdf, tmp_path)
    assert "推荐单位公示结果" in text
    assert "李建国同志申报材料于2023年8月21日至2023年8月25日在本单位公示5个工作日，公示无异议，未收到投诉、举报" in text
    assert "同意推荐李建国同志申报工程系列公路与运输专业中级（工程师）专业技术任职资格" in text
    assert "库尔勒交通建设工程有限公司（公章）" in text
    docx_doc = GeneratedDocument.objects.get(
        dossier=unit_dossier, kind=DocumentKind.PUBLICITY_RESULT, file_format="docx"
    )
    assert "公示无异议" in _docx_text(docx_doc)


def test_publicity_result_reports_objections_instead_of_no_objection(unit_dossier, demo_users, tmp_path):
    pdf = publicity_result_generate(
        dossier=unit_dossier,
        start=START,
        end=END,
        working_days=5,
        objections="有职工反映业绩材料存疑",
        actor=demo_users["demo_unit"],
    )
    text = _pdf_text(pdf, tmp_path)
    assert "公示期间收到以下异议：有职工反映业绩材料存疑" in text
    assert "公示无异议" not in text
    assert "同意推荐" not in text


def test_publicity_documents_only_by_the_units_reviewer(unit_dossier, demo_users):
    for username in ("demo_applicant", "demo_county", "demo_unit_qm"):
        with pytest.raises(PermissionDenied):
            publicity_notice_generate(
                dossier=unit_dossier, start=START, end=END, contact="人事科", actor=demo_users[username]
            )
    with pytest.raises(DomainError, match="结束日期早于开始日期"):
        publicity_result_generate(
            dossier=unit_dossier, start=END, end=START, working_days=5, objections="", actor=demo_users["demo_unit"]
        )
    assert not GeneratedDocument.objects.exists()


def test_commitment_letter(draft_dossier, tmp_path):
    document = commitment_letter_generate(dossier=draft_dossier, actor=draft_dossier.applicant)
    text = _pdf_text(document, tmp_path)
    assert "个人承诺书" in text
    assert "承诺人：李建国" in text and ID_NUMBER in text
    # Annex 3's own wording, exactly as the notice prints it — not the sentence of 五(一)14.
    annex3 = (
        "本人承诺以上填报的内容和提交的材料完全真实有效，且网上填报与送审报表内容一致。如申请人提交弄虚作假确认材料的，"
        "一经查实，不予受理确认申报或取消已确认的资格，并从申报年度下一年起3年内，不得申报专业技术资格。"
    )
    assert "".join(draft_dossier.round.policy.text("annex3_commitment").split()) == annex3
    assert annex3 in text
    assert "且网上填报与送审报表内容完全一致" not in text  # the 五(一)14 sentence
    assert "签字：（承诺人）" in text and "2023年9月1日" in text
    # A one-page annex is printed one-sided: no blank padding page.
    assert len(pypdf.PdfReader(io.BytesIO(_read(document))).pages) == 1


def test_continuing_education_exemption_form(draft_dossier, tmp_path, demo_users):
    document = ce_exemption_generate(dossier=draft_dossier, actor=draft_dossier.applicant)
    text = _pdf_text(document, tmp_path)
    for expected in [
        "免除继续教育学习申请表",
        "姓名李建国",
        "性别男",
        "出生年月1990年3月",
        f"身份证号{ID_NUMBER}",
        "学历大学本科",
        "学位工学学士",
        "2017年1月毕业于长安大学交通工程专业",
        "现工作单位库尔勒交通建设工程有限公司",
        "参加工作时间2012-07-01",
        "现有专业技术职务助理工程师",
        "拟申报专业技术职务工程师",
        "2019年2月至2020年2月参加“访惠聚”驻村工作",
        "审核意见",
        "各地各部门不得私自设置免除继续教育学习事项",
    ]:
        assert expected in text, expected
    with pytest.raises(PermissionDenied):
        ce_exemption_generate(dossier=draft_dossier, actor=demo_users["demo_county_qm"])
