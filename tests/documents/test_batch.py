"""Batch generation of evaluation forms: a huey job with stored progress, polled by the page through htmx."""

from __future__ import annotations

import io
import zipfile

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from core.errors import DomainError, PermissionDenied
from documents.models import BatchJob, DocumentKind, GeneratedDocument
from documents.services import batch_job_create, batch_job_run, folder_name
from tests.documents.conftest import make_dossier, walk_to
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_at_committee(open_round, orgs, demo_users):
    from accounts.models import Role, RoleAssignment

    dossiers = []
    for name in ("张三", "李四"):
        user = UserFactory()
        RoleAssignment.objects.create(user=user, role=Role.APPLICANT, organization=orgs["U-KRLJT"])
        dossiers.append(walk_to(make_dossier(round_=open_round, applicant=user, unit=orgs["U-KRLJT"], name=name)))
    # Not yet at the committee: left out of the batch.
    make_dossier(round_=open_round, applicant=demo_users["demo_applicant"], unit=orgs["U-KRLJT"])
    return dossiers


def _zip_names_and_texts(job: BatchJob) -> dict[str, str]:
    assert job.result is not None, "the batch job has no result file"
    with job.result.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    return {
        name: "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(archive.read(name))).pages)
        for name in archive.namelist()
    }


def test_batch_page_queues_a_job_that_builds_one_zip(
    two_at_committee, open_round, client, demo_users, django_capture_on_commit_callbacks
):
    client.force_login(demo_users["demo_unit"])
    assert client.get(reverse("documents:batches")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:batches"), {"round": open_round.slug, "organization": "U-KRLJT"})
    job = BatchJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:batch_detail", args=[job.pk])
    assert (job.status, job.total, job.processed, job.percent) == ("done", 2, 2, 100)
    texts = _zip_names_and_texts(job)
    # Folders are named by the unit's name, as people know it; the unit code stays out of the archive.
    folder = "库尔勒交通建设工程有限公司"
    assert {d.unit.name for d in two_at_committee} == {folder}
    assert sorted(texts) == sorted(f"{folder}/{d.serial_number}-评审表.pdf" for d in two_at_committee)
    for dossier in two_at_committee:
        assert dossier.serial_number in texts[f"{folder}/{dossier.serial_number}-评审表.pdf"]
    # Each form in the ZIP is a genuine, verifiable form.
    assert GeneratedDocument.objects.filter(kind=DocumentKind.EVALUATION_FORM).count() == 2

    page = client.get(reverse("documents:batch_detail", args=[job.pk])).content.decode()
    assert "已完成" in page and "hx-trigger" not in page
    assert reverse("documents:download", args=[job.result.pk]) in page
    download = client.get(reverse("documents:download", args=[job.result.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"


def test_progress_fragment_keeps_polling_while_the_job_runs(two_at_committee, open_round, demo_users, client):
    job = BatchJob.objects.create(
        round=open_round, organization=two_at_committee[0].unit, created_by=demo_users["demo_unit"], total=2
    )
    client.force_login(demo_users["demo_unit"])
    fragment = client.get(reverse("documents:batch_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "0 / 2" in fragment
    BatchJob.objects.filter(pk=job.pk).update(status="running", processed=1)
    assert "1 / 2" in client.get(reverse("documents:batch_progress", args=[job.pk])).content.decode()
    # Someone else's job is not shown.
    client.force_login(demo_users["demo_county"])
    assert client.get(reverse("documents:batch_progress", args=[job.pk])).status_code == 404


def test_batch_scope_is_checked(two_at_committee, open_round, demo_users, orgs):
    with pytest.raises(PermissionDenied):
        batch_job_create(round_=open_round, organization=orgs["U-KRLJT"], actor=demo_users["demo_unit_qm"])
    with pytest.raises(PermissionDenied):
        batch_job_create(round_=open_round, organization=orgs["BZ"], actor=demo_users["demo_county"])
    with pytest.raises(DomainError, match="没有已被评审委员会接收的申报"):
        batch_job_create(round_=open_round, organization=orgs["U-QMYH"], actor=demo_users["demo_prefecture"])


def test_batch_api_for_a_county(two_at_committee, open_round, demo_users, client, django_capture_on_commit_callbacks):
    client.force_login(demo_users["demo_county"])
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/documents/batches",
            {"round": open_round.slug, "organization": "BZ-KRL"},
            content_type="application/json",
        )
    assert created.status_code == 201
    status = client.get(f"/api/documents/batches/{created.json()['id']}").json()
    assert status["status"] == "done" and status["processed"] == 2 and status["result_url"]
    assert client.get(status["result_url"]).status_code == 200


def test_failed_job_is_reported_not_left_spinning(two_at_committee, open_round, demo_users):
    # A photo whose file has vanished from storage makes the second form fail.
    photo = two_at_committee[1].attachments.get(doc_type="photo")
    photo.file.storage.delete(photo.file.name)
    job = BatchJob.objects.create(
        round=open_round, organization=two_at_committee[0].unit, created_by=demo_users["demo_unit"], total=2
    )
    with pytest.raises(FileNotFoundError):
        batch_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert job.processed == 1 and job.result is None
    # The message names the dossier and what to do, never the storage path.
    assert two_at_committee[1].serial_number in job.error and "文件在存储中缺失" in job.error
    assert photo.file.name not in job.error


def test_a_failed_job_is_retried_from_its_page_once_the_cause_is_gone(
    two_at_committee, open_round, demo_users, client, django_capture_on_commit_callbacks
):
    photo = two_at_committee[1].attachments.get(doc_type="photo")
    with photo.file.open("rb") as handle:
        original = handle.read()
    photo.file.storage.delete(photo.file.name)
    job = BatchJob.objects.create(
        round=open_round, organization=two_at_committee[0].unit, created_by=demo_users["demo_unit"], total=2
    )
    with pytest.raises(FileNotFoundError):
        batch_job_run(job_id=job.pk)
    client.force_login(demo_users["demo_unit"])
    page = client.get(reverse("documents:batch_detail", args=[job.pk])).content.decode()
    retry = reverse("documents:batch_retry", args=[job.pk])
    assert f'action="{retry}"' in page and "重试" in page
    # Someone else cannot retry it; a GET changes nothing.
    other = Client()
    other.force_login(demo_users["demo_county"])
    assert other.post(retry).status_code == 404
    assert client.get(retry).status_code == 405
    # The file is restored under its name, then the clerk retries: the job runs again from the start.
    photo.file.storage.save(photo.file.name, ContentFile(original))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry)
    assert response.status_code == 302 and response["Location"] == reverse("documents:batch_detail", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.processed, job.error) == ("done", 2, "")
    assert len(_zip_names_and_texts(job)) == 2
    # A finished job is not retried; the API answers with its error code.
    refused = client.post(f"/api/documents/batches/{job.pk}/retry")
    assert refused.status_code == 409 and "只有失败的任务可以重试" in refused.json()["message"]


def test_folder_names_keep_the_unit_name_and_drop_path_separators():
    assert folder_name("库尔勒交通建设工程有限公司") == "库尔勒交通建设工程有限公司"
    assert folder_name("甲/乙:丙") == "甲_乙_丙"
    assert folder_name(" . ") == "未命名单位"
