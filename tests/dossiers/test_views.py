"""Pages: the applicant's journey through the test client, and every refusal (403/404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.models import Attachment, DossierSection
from tests.dossiers.conftest import upload
from tests.dossiers.helpers import jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_list_and_create(client, applicant, open_round):
    client.force_login(applicant)
    page = client.get("/dossiers/")
    assert page.status_code == 200
    assert "新建申报" in page.content.decode()
    response = client.post("/dossiers/", {"application": f"{open_round.pk}|mid|evaluation"})
    assert response.status_code == 302
    dossier = applicant.dossiers.get()
    assert response["Location"] == f"/dossiers/{dossier.pk}/"
    detail = client.get(response["Location"]).content.decode()
    for title in ("基本信息", "社保缴费证明", "信息遮盖", "完整性检查"):
        assert title in detail


def test_section_post_saves_and_triggers_refresh(client, applicant, dossier):
    client.force_login(applicant)
    response = client.post(
        f"/dossiers/{dossier.pk}/sections/other_attachments/", {"other_attachments-note": "无"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "dossier-saved"
    assert DossierSection.objects.get(dossier=dossier, key="other_attachments").data == {"note": "无"}


def test_bad_section_post_keeps_input_and_previous_draft(client, applicant, dossier):
    client.force_login(applicant)
    prefix = "work_history-rows"
    good = {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-0-start": "2010-07-01",
        f"{prefix}-0-end": "2015-06-30",
        f"{prefix}-0-unit": "甲单位",
        f"{prefix}-0-position": "技术员",
        f"{prefix}-1-start": "2015-07-01",
        f"{prefix}-1-end": "",
        f"{prefix}-1-unit": "乙单位",
        f"{prefix}-1-position": "工程师",
    }
    assert client.post(f"/dossiers/{dossier.pk}/sections/work_history/", good, **HTMX).status_code == 200
    gap = {**good, f"{prefix}-1-start": "2016-01-01", f"{prefix}-1-unit": "丙单位（新输入）"}
    response = client.post(f"/dossiers/{dossier.pk}/sections/work_history/", gap, **HTMX)
    body = response.content.decode()
    assert "HX-Trigger" not in response
    assert "空档" in body
    assert "丙单位（新输入）" in body  # what the user typed is still on the form
    assert DossierSection.objects.get(dossier=dossier, key="work_history").data["rows"][1]["unit"] == "乙单位"


def test_invalid_id_number_shows_chinese_message(client, applicant, dossier):
    client.force_login(applicant)
    response = client.post(
        f"/dossiers/{dossier.pk}/sections/basic_info/",
        {"basic_info-name": "李建国", "basic_info-id_number": "652801198805123010", "basic_info-sex": "男"},
    )
    assert response.status_code == 400
    assert "身份证号码校验不通过" in response.content.decode()
    assert not DossierSection.objects.filter(dossier=dossier, key="basic_info").exists()


def test_upload_through_page_and_refusal_message(client, applicant, dossier):
    client.force_login(applicant)
    url = f"/dossiers/{dossier.pk}/sections/basic_info/attachments/"
    ok = client.post(url, {"doc_type": "id_front", "file": SimpleUploadedFile("a.jpg", jpeg_bytes())}, **HTMX)
    assert ok.status_code == 200 and ok["HX-Trigger"] == "dossier-saved"
    bad = client.post(url, {"doc_type": "id_front", "file": SimpleUploadedFile("b.jpg", png_bytes())}, **HTMX)
    assert "实际为 PNG 格式" in bad.content.decode()
    assert Attachment.objects.filter(dossier=dossier).count() == 1


def test_attachment_file_served_to_owner_only(client, applicant, dossier, demo_users):
    attachment = upload(dossier, applicant, "basic_info", "photo")
    url = f"/dossiers/attachments/{attachment.pk}/file.jpg"
    client.force_login(applicant)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    # A draft never leaves the applicant: other applicants, the unit reviewer and experts get 404.
    for username in ("demo_applicant2", "demo_unit", "demo_expert", "demo_county"):
        client.force_login(demo_users[username])
        assert client.get(url).status_code == 404, username
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_unit_reviewer_sees_attachment_once_submitted(client, applicant, dossier, demo_users):
    from dossiers.models import Dossier

    attachment = upload(dossier, applicant, "basic_info", "photo")
    Dossier.objects.filter(pk=dossier.pk).update(status="submitted", submission_count=1)
    client.force_login(demo_users["demo_unit"])
    assert client.get(f"/dossiers/attachments/{attachment.pk}/file.jpg").status_code == 200
    client.force_login(demo_users["demo_unit_qm"])  # another unit
    assert client.get(f"/dossiers/attachments/{attachment.pk}/file.jpg").status_code == 404


def test_other_users_get_404_on_every_dossier_page(client, dossier, demo_users):
    attachment = upload(dossier, dossier.applicant, "basic_info", "photo")
    base = f"/dossiers/{dossier.pk}"
    client.force_login(demo_users["demo_applicant2"])
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/completeness/").status_code == 404
    assert client.get(f"{base}/sections/basic_info/").status_code == 404
    assert client.post(f"{base}/sections/awards/", {"awards-none": "on"}).status_code == 404
    upload_url = f"{base}/sections/basic_info/attachments/"
    photo = SimpleUploadedFile("a.jpg", jpeg_bytes())
    assert client.post(upload_url, {"doc_type": "photo", "file": photo}).status_code == 404
    assert client.post(f"/dossiers/attachments/{attachment.pk}/delete/").status_code == 404
    assert client.post(f"{base}/submit/").status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert not DossierSection.objects.filter(dossier=dossier).exists()


def test_anonymous_is_sent_to_login(client, dossier):
    response = client.get(f"/dossiers/{dossier.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_submitted_dossier_page_is_read_only(client, applicant, dossier):
    from dossiers.models import Dossier

    services.section_save(dossier_id=dossier.pk, actor=applicant, key="other_attachments", data={"note": "无"})
    Dossier.objects.filter(pk=dossier.pk).update(status="submitted", submission_count=1)
    client.force_login(applicant)
    body = client.get(f"/dossiers/{dossier.pk}/").content.decode()
    assert "保存本栏" not in body and "当前只读" in body
    response = client.post(f"/dossiers/{dossier.pk}/sections/other_attachments/", {"other_attachments-note": "改"})
    assert "不能修改" in response.content.decode()
    assert DossierSection.objects.get(dossier=dossier, key="other_attachments").data == {"note": "无"}


def test_readonly_tag_renders_sections_and_thumbnails(applicant, dossier):
    from django.template import Context, Template

    services.section_save(dossier_id=dossier.pk, actor=applicant, key="other_attachments", data={"note": "无"})
    attachment = upload(dossier, applicant, "basic_info", "photo")
    html = Template("{% load dossier_tags %}{% dossier_readonly dossier %}").render(Context({"dossier": dossier}))
    assert "其他附件或证明材料说明" in html
    assert f"/dossiers/attachments/{attachment.pk}/file.jpg" in html
    assert "近期一寸免冠照片" in html
