"""Recovering OCR jobs lost with their worker: the periodic sweep behind `masking.tasks.masking_sweep`."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.leases import lease_expired_q, orphan_grace, queued_first_args
from masking.models import AttachmentMasking, MaskingStatus


def running_elsewhere(masking_id: int, version: int) -> bool:
    return AttachmentMasking.objects.filter(
        pk=masking_id, job_version=version, status=MaskingStatus.RUNNING, lease_expires_at__gt=timezone.now()
    ).exists()


def _enqueue_on_commit(masking_id: int, version: int) -> None:
    # why: masking.tasks imports this module (the task checks running_elsewhere).
    from masking.tasks import detect_attachment

    transaction.on_commit(lambda: detect_attachment(masking_id, version))


@transaction.atomic
def _requeue(masking_id: int, *, reason: str, now: dt.datetime) -> str | None:
    """Re-queue under a new version (a late result of the lost job is then ignored), or fail closed
    once the job has been lost JOB_MAX_ATTEMPTS times (an image that kills the worker every time)."""
    masking = AttachmentMasking.objects.select_for_update().filter(pk=masking_id).first()
    if masking is None or masking.status not in (MaskingStatus.RUNNING, MaskingStatus.PENDING):
        return None
    masking.job_version += 1
    masking.lease_expires_at = None
    masking.started_at = None
    if masking.attempts >= int(settings.JOB_MAX_ATTEMPTS):
        masking.status = MaskingStatus.FAILED
        masking.error = f"{reason}：已中断 {masking.attempts} 次，不再自动重试，请人工遮盖或点击重新识别。"
        masking.finished_at = now
        masking.save()
        return "failed"
    masking.status = MaskingStatus.PENDING
    masking.error = f"{reason}，已自动重新排队。"
    masking.save()
    _enqueue_on_commit(masking.pk, masking.job_version)
    return "requeued"


def masking_requeue_lost(now: dt.datetime | None = None) -> dict[str, list[int]]:
    """Running jobs whose lease ran out, and waiting jobs that never reached the queue."""
    now = now or timezone.now()
    outcome: dict[str, list[int]] = {"requeued": [], "failed": []}
    lost = AttachmentMasking.objects.filter(status=MaskingStatus.RUNNING).filter(lease_expired_q(now))
    for pk in list(lost.values_list("pk", flat=True)):
        result = _requeue(pk, reason="识别进程中断", now=now)
        if result:
            outcome[result].append(pk)
    waiting = list(
        AttachmentMasking.objects.filter(status=MaskingStatus.PENDING, updated_at__lt=now - orphan_grace()).values_list(
            "pk", flat=True
        )
    )
    if waiting:
        queued = queued_first_args("detect_attachment")
        for pk in waiting:
            if pk not in queued and (result := _requeue(pk, reason="识别任务未进入队列", now=now)):
                outcome[result].append(pk)
    return outcome
