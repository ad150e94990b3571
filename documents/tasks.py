"""Background jobs of the documents app (huey; immediate in tests)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from documents.services import batch_job_run


@db_task()
def batch_evaluation_forms(job_id: int) -> None:
    batch_job_run(job_id=job_id)
