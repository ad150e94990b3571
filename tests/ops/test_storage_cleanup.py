"""`manage.py storage_cleanup`: finds what a crash leaves behind and removes orphan files."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from dossiers import services
from tests.dossiers.conftest import upload
from tests.dossiers.helpers import jpeg_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(demo_users):
    return demo_users["demo_applicant"]


@pytest.fixture
def dossier(open_round, applicant):
    return services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")


def run(*args: str) -> dict:
    out = StringIO()
    call_command("storage_cleanup", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def _age(path: Path, minutes: int) -> None:
    old = time.time() - minutes * 60
    os.utime(path, (old, old))


def test_orphan_file_is_found_then_deleted_and_rows_files_kept(dossier, applicant):
    kept = upload(dossier, applicant, "current_title", "title_certificate", jpeg_bytes(text="kept"))
    # What an upload killed between writing its file and committing its row leaves behind:
    orphan = Path(settings.MEDIA_ROOT) / "attachments" / dossier.round.slug / dossier.serial_number / "dead.jpg"
    orphan.write_bytes(jpeg_bytes(text="orphan"))
    assert run()["orphan_files"] == []  # younger than an hour: maybe an upload in flight
    _age(orphan, 90)
    _age(Path(kept.file.path), 90)
    report = run()
    assert report["orphan_files"] == [orphan.relative_to(settings.MEDIA_ROOT).as_posix()]
    assert not report["clean"] and orphan.exists()
    report = run("--delete")
    assert report["deleted_files"] == report["orphan_files"] and not orphan.exists()
    assert Path(kept.file.path).exists()
    assert run()["orphan_files"] == []


def test_row_whose_file_is_gone_is_reported(dossier, applicant):
    gone = upload(dossier, applicant, "current_title", "title_certificate", jpeg_bytes(text="gone"))
    Path(gone.file.path).unlink()
    report = run()
    assert report["missing_files"] == [f"dossiers.Attachment#{gone.pk}: {gone.file.name}"]


def test_human_readable_output_says_clean(dossier):
    out = StringIO()
    call_command("storage_cleanup", stdout=out)
    assert "检查通过" in out.getvalue()


def test_stalled_job_and_undelivered_message_are_reported_and_requeued(
    dossier, applicant, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from masking.models import AttachmentMasking, MaskingStatus

    with django_capture_on_commit_callbacks(execute=True):
        attachment = upload(dossier, applicant, "current_title", "title_certificate", jpeg_bytes(text="x"))
    AttachmentMasking.objects.filter(attachment=attachment).update(
        status=MaskingStatus.RUNNING, lease_expires_at=timezone.now() - dt.timedelta(seconds=5), attempts=1
    )
    report = run("--min-age-minutes", "0")
    assert report["stalled_ocr"] == [AttachmentMasking.objects.get(attachment=attachment).pk]
    with django_capture_on_commit_callbacks(execute=True):
        report = run("--requeue", "--min-age-minutes", "0")
    assert report["stalled_ocr"] == []
    assert AttachmentMasking.objects.get(attachment=attachment).status != MaskingStatus.RUNNING
