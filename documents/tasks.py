"""Background jobs of the documents app (huey; immediate in tests).

A running batch holds a lease renewed by a heartbeat (core/leases.py); `batch_jobs_sweep` re-queues a
batch whose worker died and one that never reached the queue."""

from __future__ import annotations

from django.db.models import F
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core.leases import job_lease
from documents import recovery
from documents.models import BatchJob
from documents.services import batch_job_run, owed_document_produce


@db_task()
def batch_evaluation_forms(job_id: int) -> None:
    if recovery.running_elsewhere(job_id):
        return  # a duplicate message: the batch is alive in another worker
    with job_lease(BatchJob, pk=job_id, status__in=[BatchJob.Status.QUEUED, BatchJob.Status.RUNNING]):
        BatchJob.objects.filter(pk=job_id).update(attempts=F("attempts") + 1)
        batch_job_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def batch_jobs_sweep() -> dict[str, list[int]]:
    return recovery.batch_jobs_requeue_lost()


@db_task()
def produce_owed_document(owed_id: int) -> None:
    """Produce a file a committed step owes (enqueued on commit; the first read is the fallback)."""
    owed_document_produce(owed_id=owed_id)
