"""Background jobs of the documents app (huey; immediate in tests)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from documents.services import batch_job_run, owed_document_produce


@db_task()
def batch_evaluation_forms(job_id: int) -> None:
    batch_job_run(job_id=job_id)


@db_task()
def produce_owed_document(owed_id: int) -> None:
    """Produce a file a committed step owes (enqueued on commit; the first read is the fallback)."""
    owed_document_produce(owed_id=owed_id)
