"""Recovering batch jobs lost with their worker: the periodic sweep behind `documents.tasks.batch_jobs_sweep`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.leases import lease_expired_q, orphan_grace, queued_first_args
from documents.models import BatchJob


def running_elsewhere(job_id: int) -> bool:
    return BatchJob.objects.filter(
        pk=job_id, status=BatchJob.Status.RUNNING, lease_expires_at__gt=timezone.now()
    ).exists()


@transaction.atomic
def _requeue(job_id: int, *, reason: str, now: dt.datetime) -> str | None:
    job = BatchJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.is_finished:
        return None
    job.lease_expires_at = None
    if job.attempts >= int(settings.JOB_MAX_ATTEMPTS):
        job.status = BatchJob.Status.FAILED
        job.error = f"{reason}：已中断 {job.attempts} 次，不再自动重试，请重新发起生成。"
        job.finished_at = now
        job.save(update_fields=["status", "error", "finished_at", "lease_expires_at"])
        return "failed"
    # From the start: the ZIP is built in memory, nothing of the lost run is kept.
    job.status, job.processed, job.started_at = BatchJob.Status.QUEUED, 0, None
    job.error = f"{reason}，已自动重新排队。"
    job.save(update_fields=["status", "processed", "started_at", "error", "lease_expires_at"])
    # why: documents.tasks imports this module (the task checks running_elsewhere).
    from documents.tasks import batch_evaluation_forms

    transaction.on_commit(lambda: batch_evaluation_forms(job_id))
    return "requeued"


def batch_jobs_requeue_lost(now: dt.datetime | None = None) -> dict[str, list[int]]:
    now = now or timezone.now()
    outcome: dict[str, list[int]] = {"requeued": [], "failed": []}
    lost = BatchJob.objects.filter(status=BatchJob.Status.RUNNING).filter(lease_expired_q(now))
    for pk in list(lost.values_list("pk", flat=True)):
        if result := _requeue(pk, reason="生成进程中断", now=now):
            outcome[result].append(pk)
    waiting = list(
        BatchJob.objects.filter(
            status=BatchJob.Status.QUEUED, lease_expires_at__isnull=True, created_at__lt=now - orphan_grace()
        ).values_list("pk", flat=True)
    )
    if waiting:
        queued = queued_first_args("batch_evaluation_forms")
        for pk in waiting:
            if pk not in queued and (result := _requeue(pk, reason="生成任务未进入队列", now=now)):
                outcome[result].append(pk)
    return outcome
