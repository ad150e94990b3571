"""专业技术职务任职资格评审表: availability, content, fonts, duplex layout, watermark, QR and verification."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from django.urls import reverse

from accounts.models import Role
from core.errors import PermissionDenied
from documents.models import DocumentKind, GeneratedDocument
from documents.pdf import INNER_MARGIN, OUTER_MARGIN
from documents.services import DocumentUnavailable, evaluation_form_generate
from tests.documents.conftest import ID_NUMBER, make_dossier, walk_to
from tests.documents.pdf_tools import decode_qr, missing_glyphs, page_texts, pdffonts_rows, render_page
from tests.factories import UserFactory, give_role

pytestmark = pytest.mark.django_db


def _save(document: GeneratedDocument, tmp_path: Path) -> tuple[bytes, Path]:
    with document.file.open("rb") as handle:
        data = handle.read()
    path = tmp_path / f"form-{document.pk}.pdf"
    path.write_bytes(data)
    return data, path


def test_applicant_cannot_print_before_the_committee_received_the_dossier(draft_dossier):
    walk_to(draft_dossier, "prefecture_review")
    draft_dossier.refresh_from_db()
    with pytest.raises(DocumentUnavailable, match="评审委员会已接收材料"):
        evaluation_form_generate(dossier=draft_dossier, actor=draft_dossier.applicant)
    assert not GeneratedDocument.objects.filter(kind=DocumentKind.EVALUATION_FORM).exists()


def test_form_carries_every_section_the_watermark_and_an_embedded_font(committee_dossier, tmp_path):
    document = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    data, path = _save(document, tmp_path)
    pages = page_texts(data)
    text = "\n".join(pages)
    flat = "".join(text.split())  # table cells wrap long captions over several lines

    for expected in [
        "专业技术职务任职资格评审表",
        committee_dossier.serial_number,
        "李建国",
        ID_NUMBER,
        "中共党员",
        "库尔勒交通建设工程有限公司",
        "新疆交通职业技术学院",
        "长安大学",
        "助理工程师",
        "2018-12-20",
        "项目技术负责人",
        "盐渍土路基处治",
        "自治州优秀工程技术人员",
        "西部交通科技",
        "优秀",
        "ZY2021-001",
        "推荐单位公示及公示结果",
        committee_dossier.round.policy.text("commitment")[:20],
        "本人签字",
        "推荐单位意见",
        "县（市）审核意见",
        "州级审核意见",
        "推荐单位盖章",
        committee_dossier.round.policy.text("recommendation_opinion"),
    ]:
        assert "".join(expected.split()) in flat, expected
    for title in [s["title"] for s in committee_dossier.round.policy.sections]:
        assert title in flat, title

    # The watermark (round, serial number, print time) is on every page, including a padding blank page.
    printed = document.created_at.astimezone().strftime("%Y-%m-%d")
    for number, page in enumerate(pages, start=1):
        assert committee_dossier.round.name in page, number
        assert f"{committee_dossier.serial_number} · 打印时间 {printed}" in page, number

    fonts = pdffonts_rows(path)
    assert fonts, "the PDF uses no font at all?"
    assert all(f["emb"] == "yes" for f in fonts), fonts
    assert not any("Helvetica" in f["name"] for f in fonts)
    assert missing_glyphs(text) == set()


def test_duplex_layout_even_pages_a4_and_mirrored_margins(committee_dossier, tmp_path):
    document = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    data, _ = _save(document, tmp_path)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) % 2 == 0
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)

    def leftmost_text(page) -> float:
        xs: list[float] = []

        def visit(text, cm, tm, font_dict, font_size):
            if text.strip():
                xs.append(cm[4] + tm[4] * cm[0])

        page.extract_text(visitor_text=visit)
        return min(xs)

    # Body text starts at the binding margin on fronts (odd) and at the outer margin on backs (even).
    front, back = leftmost_text(reader.pages[0]), leftmost_text(reader.pages[1])
    assert front == pytest.approx(INNER_MARGIN, abs=2)
    assert back == pytest.approx(OUTER_MARGIN, abs=2)


def test_photo_is_printed_on_the_first_page(committee_dossier, tmp_path):
    document = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    data, _ = _save(document, tmp_path)
    first = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert len(first.images) == 1
    assert first.images[0].image.size == (413, 579)


def test_qr_on_the_rendered_page_opens_the_verification_page(committee_dossier, tmp_path, client, settings):
    settings.SITE_URL = "https://zc.example.org"
    document = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    _, path = _save(document, tmp_path)
    url = f"https://zc.example.org/documents/verify/{document.verification_code}/"
    assert decode_qr(render_page(path, 1)) == [url]

    response = client.get(url.removeprefix("https://zc.example.org"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "真实有效" in body
    assert committee_dossier.serial_number in body
    assert "6528**********1234" in body
    assert ID_NUMBER not in body
    assert "13899990000" not in body  # no phone number
    assert "李建国" not in body and "李*国" in body
    assert committee_dossier.status_label in body


@pytest.mark.parametrize("tamper", ["swap_last", "lowercase_other", "garbage"])
def test_forged_verification_code_is_refused(committee_dossier, client, tamper):
    document = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    code = document.verification_code
    forged = {
        "swap_last": code[:-1] + ("A" if code[-1] != "A" else "B"),
        "lowercase_other": "ZZZZ" + code[4:],
        "garbage": "not-a-code<script>",
    }[tamper]
    response = client.get(reverse("documents:verify", args=[forged]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "无效" in body
    assert committee_dossier.serial_number not in body
    api = client.get(f"/api/documents/verify/{forged}")
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_verification_page_follows_the_current_status_and_api_agrees(committee_dossier, client):
    document = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    api = client.get(f"/api/documents/verify/{document.verification_code}")
    assert api.status_code == 200
    payload = api.json()
    assert payload["valid"] is True
    assert payload["status"] == "committee_received"
    assert payload["id_number"] == "6528**********1234"
    # Printing again the same content gives the same form back; a change of content makes a new one.
    again = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    assert again.pk == document.pk
    assert client.get(f"/api/documents/verify/{document.verification_code}").json()["is_latest_print"] is True
    section = committee_dossier.sections.get(key="basic_info")
    section.data = {**section.data, "political_status": "中共党员（更正）"}
    section.save()
    second = evaluation_form_generate(dossier=committee_dossier, actor=committee_dossier.applicant)
    assert second.verification_code != document.verification_code
    assert client.get(f"/api/documents/verify/{document.verification_code}").json()["is_latest_print"] is False


def test_officers_of_the_chain_may_print_others_may_not(draft_dossier, demo_users, orgs):
    dossier = walk_to(draft_dossier, "county_review")
    # Officers of this dossier's chain: even before the committee stage.
    for username in ("demo_unit", "demo_county", "demo_prefecture"):
        assert evaluation_form_generate(dossier=dossier, actor=demo_users[username]).verification_code
    outsider = give_role(UserFactory(), Role.UNIT_REVIEWER, orgs["U-QMYH"])
    for actor in (outsider, demo_users["demo_expert"], demo_users["demo_county_qm"], demo_users["demo_applicant2"]):
        with pytest.raises(PermissionDenied):
            evaluation_form_generate(dossier=dossier, actor=actor)


def test_download_page_serves_the_pdf_and_refuses_with_a_message(draft_dossier, client, demo_users):
    client.force_login(draft_dossier.applicant)
    url = reverse("documents:evaluation_form", args=[draft_dossier.pk])
    refused = client.get(url)
    assert refused.status_code == 400
    assert "评审委员会已接收材料" in refused.content.decode()

    walk_to(draft_dossier)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    # Someone else's dossier and a missing one get the same answer (issue 11 point 13).
    client.force_login(demo_users["demo_county_qm"])
    not_yours = client.get(url)
    absent = client.get(reverse("documents:evaluation_form", args=[draft_dossier.pk + 10_000]))
    assert not_yours.status_code == absent.status_code == 404


def test_dossier_without_photo_and_empty_sections_prints_the_empty_marker(open_round, orgs, applicant, tmp_path):
    dossier = make_dossier(round_=open_round, applicant=applicant, unit=orgs["U-KRLJT"], with_photo=False)
    dossier.sections.filter(key__in=["awards", "papers", "work_summary"]).delete()
    dossier = walk_to(dossier)
    document = evaluation_form_generate(dossier=dossier, actor=applicant)
    data, path = _save(document, tmp_path)
    text = "\n".join(page_texts(data))
    assert "贴一寸免冠近照" in text
    assert "\n无\n" in text or " 无" in text
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) % 2 == 0
    assert all(f["emb"] == "yes" for f in pdffonts_rows(path))
