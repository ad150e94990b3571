"""Issue 11 point 7: each bad input once answered 500. Now: a clear Chinese refusal, in the API's one format."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from demo.samples import sample_sections
from dossiers.models import Attachment
from tests.dossiers.conftest import upload
from tests.dossiers.helpers import jpeg_bytes

pytestmark = pytest.mark.django_db


def put(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def assert_error_format(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body["message"]  # a Chinese sentence
    return body


def test_dates_sent_as_numbers_are_refused_as_dates(client, applicant, dossier):
    client.force_login(applicant)
    basic = {**sample_sections(dossier)["basic_info"], "birth_date": 19800101, "started_work": 2003.5}
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/basic_info", {"data": basic})
    body = assert_error_format(response, 400, "invalid_input")
    paths = {e["path"]: e["message"] for e in body["details"]["errors"]}
    assert "有效日期" in paths["birth_date"] and "有效日期" in paths["started_work"]
    rows = {"rows": [{"start": 20010101, "end": [2002], "unit": {"a": 1}}]}
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/work_history", {"data": rows})
    paths = {e["path"] for e in assert_error_format(response, 400, "invalid_input")["details"]["errors"]}
    assert {"rows.0.start", "rows.0.end", "rows.0.unit"} <= paths


@pytest.mark.parametrize(
    ("phone", "id_suffix", "saved"),
    [("１３９１２３４５６７８", "", True), ("13912345678\n", "\n", True), ("1٣٩١٢٣٤٥٦٧٨", "", False)],
)
def test_phone_and_id_digits(client, applicant, dossier, phone, id_suffix, saved):
    client.force_login(applicant)
    basic = sample_sections(dossier)["basic_info"]
    full_width_id = basic["id_number"].translate({ord(str(d)): ord("０") + d for d in range(10)})
    data = {**basic, "phone": phone, "id_number": full_width_id + id_suffix}
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/basic_info", {"data": data})
    if saved:
        assert response.status_code == 200, response.content
        stored = response.json()["data"]
        assert stored["phone"] == "13912345678" and stored["id_number"] == basic["id_number"]
    else:
        body = assert_error_format(response, 400, "invalid_input")
        assert any(e["path"] == "phone" and "0-9" in e["message"] for e in body["details"]["errors"])


def test_arabic_indic_digits_in_an_id_number_are_refused(client, applicant, dossier):
    client.force_login(applicant)
    basic = sample_sections(dossier)["basic_info"]
    arabic = basic["id_number"][:-4] + "٠١٢٣"
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/basic_info", {"data": {**basic, "id_number": arabic}})
    body = assert_error_format(response, 400, "invalid_input")
    assert any(e["path"] == "id_number" for e in body["details"]["errors"])


@pytest.mark.parametrize(
    "raw", ["[[Infinity, 0, 10, 10]]", "[[1e400, 0, 10, 10]]", "[[NaN, 0, 10, 10]]", "[[-Infinity, 0, 1, 1]]"]
)
def test_non_finite_numbers_in_mask_boxes(client, applicant, dossier, raw):
    attachment = upload(dossier, applicant, "education", "diploma")
    client.force_login(applicant)
    response = client.put(
        f"/api/masking/attachments/{attachment.pk}/boxes",
        data='{"boxes": ' + raw + "}",
        content_type="application/json",
    )
    assert "NaN、Infinity" in assert_error_format(response, 400, "invalid_input")["message"]


def test_nul_bytes_in_filters_and_fields(client, applicant, dossier, demo_users):
    client.force_login(demo_users["demo_unit"])
    assert_error_format(client.get("/api/workflow/queue", {"status": "a\x00b"}), 400, "invalid_input")
    page = client.get("/review/", {"status": "sub\x00mitted", "unit": "\x00"})
    assert page.status_code == 400 and "NUL" in page.content.decode()
    client.force_login(applicant)
    basic = {**sample_sections(dossier)["basic_info"], "name": "张\x00三"}
    assert_error_format(
        put(client, f"/api/dossiers/{dossier.pk}/sections/basic_info", {"data": basic}), 400, "invalid_input"
    )
    form = client.post(f"/dossiers/{dossier.pk}/submit/", {"version": "1\x00"})
    assert form.status_code == 400


def _profile() -> dict:
    path = Path(settings.BASE_DIR) / "eligibility" / "cases" / "_base_profile.yaml"
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize(
    "change",
    [
        {"round_year": 0},
        {"round_year": -1},
        {"round_year": 99999},
        {"assessments": [{"year": 10**12, "result": "pass"}]},
        {"fraud_findings": [{"round_year": 10**20}]},
    ],
)
def test_eligibility_years_out_of_range(client, applicant, round_2023, change):
    client.force_login(applicant)
    response = client.post(
        "/api/eligibility/check?round=bz-2023-highway",
        data=json.dumps({**_profile(), **change}),
        content_type="application/json",
    )
    assert "超出范围" in assert_error_format(response, 400, "invalid_input")["message"]


def test_malformed_version_on_submit(client, applicant, dossier):
    client.force_login(applicant)
    api = client.post(
        f"/api/dossiers/{dossier.pk}/actions/submit",
        data='{"expected_version": "abc"}',
        content_type="application/json",
    )
    body = assert_error_format(api, 400, "invalid_input")
    assert body["details"]["errors"] == [{"path": "expected_version", "message": "应为整数"}]
    page = client.post(f"/dossiers/{dossier.pk}/submit/", {"version": "abc"}, follow=True)
    assert page.status_code == 200
    assert "“版本号”应为整数" in page.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == "draft"


def _mpo_bytes() -> bytes:
    first = Image.open(io.BytesIO(jpeg_bytes(900, 1200, text="first frame")))
    second = Image.new("RGB", (900, 1200), "gray")
    out = io.BytesIO()
    first.save(out, format="MPO", save_all=True, append_images=[second])
    return out.getvalue()


def test_mpo_photo_from_a_phone_is_accepted_as_its_first_frame(client, applicant, dossier):
    raw = _mpo_bytes()
    assert Image.open(io.BytesIO(raw)).format == "MPO"
    client.force_login(applicant)
    response = client.post(
        f"/api/dossiers/{dossier.pk}/sections/education/attachments",
        {"doc_type": "diploma", "file": SimpleUploadedFile("IMG_2024.jpg", raw, content_type="image/jpeg")},
    )
    assert response.status_code == 201, response.content
    stored = Attachment.objects.get(pk=response.json()["id"])
    with stored.file.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG" and img.size == (900, 1200)
        assert getattr(img, "n_frames", 1) == 1
        assert img.getpixel((450, 1100))[0] > 200  # the white first frame, not the gray second one


def test_api_errors_keep_the_format_with_debug_off(client, applicant, settings):
    settings.DEBUG = False
    assert_error_format(client.get("/api/dossiers/"), 401, "not_authenticated")
    client.force_login(applicant)
    assert_error_format(client.get("/api/no-such-route/"), 404, "not_found")
    assert_error_format(client.get("/api/dossiers/999999"), 404, "not_found")
    assert_error_format(client.delete("/api/dossiers/1/completeness"), 405, "method_not_allowed")
    assert_error_format(
        client.post("/api/dossiers/", data="{not json", content_type="application/json"), 400, "invalid_input"
    )
    missing = client.post("/api/dossiers/", data="{}", content_type="application/json")
    assert {e["path"] for e in assert_error_format(missing, 400, "invalid_input")["details"]["errors"]} == {
        "round",
        "level",
        "kind",
    }
    huge = client.get("/api/dossiers/99999999999999999999999")
    assert huge.status_code in (400, 404) and set(huge.json()) == {"code", "message", "details"}


def test_api_refuses_missing_csrf_in_the_format(applicant):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(applicant)
    response = strict.post("/api/dossiers/", data="{}", content_type="application/json")
    assert "CSRF" in assert_error_format(response, 403, "permission_denied")["message"]
