"""Background OCR: one huey task per attachment (SQLite/Redis queue; immediate in tests)."""

from __future__ import annotations

import logging
from typing import Any

from huey.contrib.djhuey import db_task

from masking import services

logger = logging.getLogger(__name__)


@db_task(retries=2, retry_delay=15, context=True)
def detect_attachment(masking_id: int, version: int, task: Any = None) -> None:
    """Idempotent: re-running a version overwrites its own proposal; an outdated version does nothing."""
    try:
        services.masking_run_detection(masking_id=masking_id, version=version)
    except Exception as exc:
        final = task is None or not getattr(task, "retries", 0)
        logger.exception("masking OCR failed for %s (version %s, final=%s)", masking_id, version, final)
        services.masking_record_failure(masking_id=masking_id, version=version, error=repr(exc), final=final)
        raise
