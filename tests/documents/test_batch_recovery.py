"""Batch PDF jobs survive a lost worker: a RUNNING batch whose lease ran out is re-queued and finishes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import BatchJob
from documents.recovery import batch_jobs_requeue_lost
from tests.documents.test_batch import two_at_committee  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _lost_job(open_round, dossiers, officer, *, lease_left: dt.timedelta, attempts: int = 1) -> BatchJob:
    """What kill -9 of the worker leaves: RUNNING, half done, the lease no longer renewed."""
    return BatchJob.objects.create(
        round=open_round,
        organization=dossiers[0].unit,
        created_by=officer,
        total=2,
        processed=1,
        status=BatchJob.Status.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=3),
        lease_expires_at=timezone.now() + lease_left,
        attempts=attempts,
    )


def test_lost_batch_is_requeued_and_completes(
    two_at_committee,  # noqa: F811
    open_round,
    demo_users,
    django_capture_on_commit_callbacks,
):
    job = _lost_job(open_round, two_at_committee, demo_users["demo_unit"], lease_left=-dt.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert batch_jobs_requeue_lost() == {"requeued": [job.pk], "failed": []}
    job.refresh_from_db()
    assert job.status == BatchJob.Status.DONE and job.processed == 2 and job.result is not None
    assert job.attempts == 2 and job.lease_expires_at is not None


def test_live_batch_is_left_alone_however_old(two_at_committee, open_round, demo_users):  # noqa: F811
    job = _lost_job(open_round, two_at_committee, demo_users["demo_unit"], lease_left=dt.timedelta(seconds=90))
    assert batch_jobs_requeue_lost() == {"requeued": [], "failed": []}
    job.refresh_from_db()
    assert job.status == BatchJob.Status.RUNNING


def test_batch_lost_too_often_fails_with_a_message(two_at_committee, open_round, demo_users, settings):  # noqa: F811
    job = _lost_job(
        open_round,
        two_at_committee,
        demo_users["demo_unit"],
        lease_left=-dt.timedelta(seconds=1),
        attempts=settings.JOB_MAX_ATTEMPTS,
    )
    assert batch_jobs_requeue_lost()["failed"] == [job.pk]
    job.refresh_from_db()
    assert job.is_finished and job.status == BatchJob.Status.FAILED and "请重新发起生成" in job.error
