"""OCR jobs survive a lost worker: the lease, its heartbeat, the sweep, the page's truth."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from core.leases import job_lease
from masking.models import AttachmentMasking, MaskingStatus
from masking.recovery import masking_requeue_lost

pytestmark = pytest.mark.django_db


def _as_if_worker_died(masking: AttachmentMasking, *, lease_left: dt.timedelta, started_ago: dt.timedelta) -> None:
    """The row a worker leaves behind when kill -9 stops it mid-OCR: RUNNING, lease no longer renewed."""
    AttachmentMasking.objects.filter(pk=masking.pk).update(
        status=MaskingStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        lease_expires_at=timezone.now() + lease_left,
        attempts=1,
        proposed_boxes=[],
    )


def test_a_job_whose_lease_ran_out_is_requeued_and_finishes(
    dossier, upload, certificate, django_capture_on_commit_callbacks
):
    masking = upload(dossier, certificate).masking
    _as_if_worker_died(masking, lease_left=-dt.timedelta(seconds=1), started_ago=dt.timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = masking_requeue_lost()
    assert outcome == {"requeued": [masking.pk], "failed": []}
    masking.refresh_from_db()
    # Re-run (huey is immediate here) under a new version: a late write of the lost job would be ignored.
    assert masking.status == MaskingStatus.PROPOSED and masking.proposed_boxes
    assert masking.job_version == 2 and masking.attempts == 2


def test_a_job_is_judged_by_its_heartbeat_not_its_age(dossier, upload, certificate):
    """Deadline day: a job may have started (or waited) for hours and still be alive."""
    masking = upload(dossier, certificate).masking
    _as_if_worker_died(masking, lease_left=dt.timedelta(seconds=60), started_ago=dt.timedelta(hours=5))
    assert masking_requeue_lost() == {"requeued": [], "failed": []}
    assert AttachmentMasking.objects.get(pk=masking.pk).status == MaskingStatus.RUNNING


def test_an_image_that_keeps_killing_the_worker_fails_closed(dossier, upload, certificate, settings):
    masking = upload(dossier, certificate).masking
    _as_if_worker_died(masking, lease_left=-dt.timedelta(seconds=1), started_ago=dt.timedelta(minutes=3))
    AttachmentMasking.objects.filter(pk=masking.pk).update(attempts=settings.JOB_MAX_ATTEMPTS)
    assert masking_requeue_lost()["failed"] == [masking.pk]
    masking.refresh_from_db()
    assert masking.status == MaskingStatus.FAILED and "不再自动重试" in masking.error


def test_a_job_that_never_reached_the_queue_is_requeued(
    dossier, upload, certificate, django_capture_on_commit_callbacks
):
    """The web process died between the commit and the enqueue: PENDING, and no queue message."""
    masking = upload(dossier, certificate).masking
    AttachmentMasking.objects.filter(pk=masking.pk).update(status=MaskingStatus.PENDING, proposed_boxes=[])
    assert masking_requeue_lost()["requeued"] == []  # within the grace: the enqueue may still come
    AttachmentMasking.objects.filter(pk=masking.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert masking_requeue_lost()["requeued"] == [masking.pk]
    assert AttachmentMasking.objects.get(pk=masking.pk).status == MaskingStatus.PROPOSED


def test_the_card_says_the_job_stopped_and_offers_retry(dossier, upload, certificate, client):
    masking = upload(dossier, certificate).masking
    _as_if_worker_died(masking, lease_left=-dt.timedelta(seconds=1), started_ago=dt.timedelta(minutes=3))
    client.force_login(dossier.applicant)
    html = client.get(f"/masking/attachments/{masking.attachment_id}/card/").content.decode()
    assert "自动识别进程已中断" in html and "重新自动识别" in html


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_while_the_job_runs(dossier, upload, certificate, settings):
    settings.JOB_LEASE_SECONDS = 0.6
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    masking = upload(dossier, certificate).masking
    with job_lease(AttachmentMasking, pk=masking.pk) as beat:
        first = AttachmentMasking.objects.get(pk=masking.pk).lease_expires_at
        time.sleep(0.5)
        later = AttachmentMasking.objects.get(pk=masking.pk).lease_expires_at
        assert not beat.lost
    assert first is not None and later is not None and later > first
    time.sleep(0.8)  # the beat stopped with the job: the lease runs out
    assert AttachmentMasking.objects.get(pk=masking.pk).lease_expires_at < timezone.now()
