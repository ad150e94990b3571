"""The dossier JSON API: typed errors with field paths, session auth + CSRF, refusals."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from demo.samples import sample_sections
from tests.dossiers.conftest import upload
from tests.dossiers.helpers import jpeg_bytes, png_bytes

pytestmark = pytest.mark.django_db


def put(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_openapi_lists_dossier_endpoints(client, applicant):
    client.force_login(applicant)
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert "/api/dossiers/" in paths
    assert "/api/dossiers/{dossier_id}/sections/{key}" in paths
    assert "/api/dossiers/{dossier_id}/actions/{action}" in paths
    assert "/api/dossiers/{dossier_id}/sections/{key}/attachments" in paths


def test_create_save_complete_flow(client, applicant, open_round):
    client.force_login(applicant)
    created = client.post(
        "/api/dossiers/",
        data={"round": open_round.slug, "level": "mid", "kind": "evaluation"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    dossier_id = created.json()["id"]
    assert created.json()["serial_number"].startswith(f"BZ{open_round.year}-")
    from dossiers.models import Dossier

    data = sample_sections(Dossier.objects.get(pk=dossier_id))["work_history"]
    saved = put(client, f"/api/dossiers/{dossier_id}/sections/work_history", {"data": data})
    assert saved.status_code == 200 and saved.json()["data"]["rows"][1]["end"] is None
    assert [d["id"] for d in client.get("/api/dossiers/").json()] == [dossier_id]
    detail = client.get(f"/api/dossiers/{dossier_id}").json()
    assert detail["sections"]["work_history"] == saved.json()["data"]
    completeness = client.get(f"/api/dossiers/{dossier_id}/completeness").json()
    assert completeness["complete"] is False
    assert {s["key"]: s["ok"] for s in completeness["sections"]}["work_history"] is True


def test_validation_errors_carry_field_paths(client, applicant, dossier):
    client.force_login(applicant)
    data = sample_sections(dossier)["work_history"]
    data["rows"][1]["start"] = "2016-01-01"
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/work_history", {"data": data})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input"
    assert body["details"]["errors"][0]["path"] == "rows.1.start"
    bad_id = {**sample_sections(dossier)["basic_info"], "id_number": "652801198805123010"}
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/basic_info", {"data": bad_id})
    assert response.json()["details"]["errors"] == [
        {"path": "id_number", "message": "身份证号码校验不通过，请核对（含末位校验码）。"}
    ]


def test_upload_and_delete_attachment(client, applicant, dossier):
    client.force_login(applicant)
    url = f"/api/dossiers/{dossier.pk}/sections/basic_info/attachments"
    response = client.post(url, {"doc_type": "photo", "file": SimpleUploadedFile("p.jpg", jpeg_bytes())})
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert attachment["doc_type"] == "photo" and attachment["width"] == 800
    refused = client.post(url, {"doc_type": "photo", "file": SimpleUploadedFile("p.jpg", png_bytes())})
    assert refused.status_code == 400 and refused.json()["code"] == "bad_attachment"
    assert client.delete(f"/api/dossiers/attachments/{attachment['id']}").status_code == 204


def test_submit_incomplete_is_a_typed_error(client, applicant, dossier):
    client.force_login(applicant)
    response = client.post(f"/api/dossiers/{dossier.pk}/actions/submit", data={}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete"
    assert "basic_info" in response.json()["details"]["sections"]


def test_other_applicant_gets_404_everywhere(client, dossier, demo_users):
    attachment = upload(dossier, dossier.applicant, "basic_info", "photo")
    client.force_login(demo_users["demo_applicant2"])
    base = f"/api/dossiers/{dossier.pk}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}/completeness").status_code == 404
    assert put(client, f"{base}/sections/awards", {"data": {"none": True, "rows": []}}).status_code == 404
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes())
    assert (
        client.post(f"{base}/sections/basic_info/attachments", {"doc_type": "photo", "file": photo}).status_code == 404
    )
    assert client.delete(f"/api/dossiers/attachments/{attachment.pk}").status_code == 404
    assert client.post(f"{base}/actions/submit", data={}, content_type="application/json").status_code == 404
    assert client.get("/api/dossiers/").json() == []


def test_anonymous_and_missing_csrf_are_refused(applicant, dossier):
    anonymous = Client()
    assert anonymous.get("/api/dossiers/").status_code == 401
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(applicant)
    response = strict.put(
        f"/api/dossiers/{dossier.pk}/sections/awards",
        data=json.dumps({"data": {"none": True, "rows": []}}),
        content_type="application/json",
    )
    assert response.status_code == 403


def test_save_creates_then_updates_one_row_and_answers_the_new_version(client, applicant, dossier):
    from dossiers.models import DossierSection

    client.force_login(applicant)
    url = f"/api/dossiers/{dossier.pk}/sections/awards"
    start = dossier.version
    first = put(client, url, {"data": {"none": True, "rows": []}})
    assert first.status_code == 200 and first.json()["version"] == start + 1
    again = put(client, url, {"data": {"none": True, "rows": []}, "expected_version": start + 1})
    assert again.status_code == 200 and again.json()["version"] == start + 2
    dossier.refresh_from_db()
    assert dossier.version == start + 2
    assert DossierSection.objects.filter(dossier=dossier, key="awards").count() == 1
    stale = put(client, url, {"data": {"none": True, "rows": []}, "expected_version": start + 1})
    assert stale.status_code == 409 and stale.json()["code"] == "concurrent_update"
    assert client.get(f"/api/dossiers/{dossier.pk}").json()["version"] == start + 2


def test_save_of_an_unknown_section_or_someone_elses_dossier_is_404(client, applicant, dossier, demo_users):
    client.force_login(applicant)
    assert put(client, f"/api/dossiers/{dossier.pk}/sections/nope", {"data": {}}).status_code == 404
    client.force_login(demo_users["demo_applicant2"])
    response = put(client, f"/api/dossiers/{dossier.pk}/sections/nope", {"data": {}})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_upload_starts_one_masking_job_and_answers_a_clean_instance(
    client, applicant, dossier, django_capture_on_commit_callbacks
):
    from dossiers.services import attachment_upload
    from masking.models import AttachmentMasking, MaskingStatus

    client.force_login(applicant)
    url = f"/api/dossiers/{dossier.pk}/sections/papers/attachments"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, {"doc_type": "paper", "file": SimpleUploadedFile("p.jpg", jpeg_bytes())})
    assert response.status_code == 201, response.content
    masking = AttachmentMasking.objects.get(attachment_id=response.json()["id"])
    assert (masking.status, masking.job_version, masking.attempts) == (MaskingStatus.PENDING, 1, 0)
    assert len(queued) == 1  # its detection job, queued once the upload commits

    with django_capture_on_commit_callbacks(execute=False):
        attachment = attachment_upload(
            dossier_id=dossier.pk,
            actor=applicant,
            section="papers",
            doc_type="paper",
            upload=SimpleUploadedFile("q.jpg", jpeg_bytes()),
            original_name="q.jpg",
        )
    # Nothing a listener wrote is cached on the answer: a later read sees the row as the job leaves it.
    AttachmentMasking.objects.filter(attachment=attachment).update(status=MaskingStatus.PROPOSED)
    assert attachment.masking.status == MaskingStatus.PROPOSED
