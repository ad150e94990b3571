"""Background OCR: one huey task per attachment (SQLite/Redis queue; immediate in tests).

A running job holds a lease renewed by a heartbeat (core/leases.py); `masking_sweep` re-queues a job
whose worker died (kill -9, out of memory) and one that never reached the queue."""

from __future__ import annotations

import logging
from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from core.leases import job_lease
from masking import recovery, services
from masking.models import IN_PROGRESS, AttachmentMasking

logger = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=15, context=True)
def detect_attachment(masking_id: int, version: int, task: Any = None) -> None:
    """Idempotent: re-running a version overwrites its own proposal; an outdated version does nothing."""
    if recovery.running_elsewhere(masking_id, version):
        return  # a duplicate message: the job is alive in another worker
    try:
        with job_lease(AttachmentMasking, pk=masking_id, job_version=version, status__in=IN_PROGRESS):
            services.masking_run_detection(masking_id=masking_id, version=version)
    except Exception as exc:
        final = task is None or not getattr(task, "retries", 0)
        logger.exception("masking OCR failed for %s (version %s, final=%s)", masking_id, version, final)
        services.masking_record_failure(masking_id=masking_id, version=version, error=repr(exc), final=final)
        raise


@db_task(retries=2, retry_delay=15, context=True)
def recheck_masked_copy(masking_id: int, copy_version: int, task: Any = None) -> None:
    """The detector on the masked copy; a copy that was replaced since does nothing."""
    try:
        services.masking_run_recheck(masking_id=masking_id, copy_version=copy_version)
    except Exception as exc:
        logger.exception("masking recheck failed for %s (copy %s)", masking_id, copy_version)
        if task is None or not getattr(task, "retries", 0):
            services.masking_record_recheck_failure(masking_id=masking_id, copy_version=copy_version, error=repr(exc))
        raise


@db_periodic_task(crontab(minute="*"))
def masking_sweep() -> dict[str, list[int]]:
    return recovery.masking_requeue_lost()
