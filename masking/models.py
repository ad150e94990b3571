"""The masking state of each attachment: what OCR proposed, what the applicant confirmed, the masked copy."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from dossiers.models import Attachment
from masking.detection import FlagReason


class MaskingStatus(models.TextChoices):
    PENDING = "pending", "排队识别中"
    RUNNING = "running", "正在识别"
    PROPOSED = "proposed", "已自动遮盖，待确认"
    FLAGGED = "flagged", "需人工检查遮盖"
    FAILED = "failed", "自动识别失败，请人工遮盖"
    CONFIRMED = "confirmed", "已确认"


# States in which the OCR job is still to finish (the page keeps polling).
IN_PROGRESS = (MaskingStatus.PENDING, MaskingStatus.RUNNING)


def masked_upload_to(instance: AttachmentMasking, filename: str) -> str:
    return f"masked/{uuid.uuid4().hex}.jpg"


class AttachmentMasking(models.Model):
    """One row per attachment. `job_version` grows with every (re)start of detection, so a stale job
    that finishes after a re-upload or a manual confirm cannot overwrite the newer state."""

    attachment = models.OneToOneField(Attachment, on_delete=models.CASCADE, related_name="masking")
    status = models.CharField("状态", max_length=16, choices=MaskingStatus.choices, default=MaskingStatus.PENDING)
    # [[x0, y0, x1, y1], ...] in the attachment's pixel coordinates.
    proposed_boxes = models.JSONField("自动识别的遮盖区域", default=list, blank=True)
    # The applicant's boxes: edited (edited=True) or confirmed (status confirmed).
    confirmed_boxes = models.JSONField("确认的遮盖区域", default=list, blank=True)
    edited = models.BooleanField(default=False)
    # 是否需要遮盖: None until the applicant answers.
    needs_masking = models.BooleanField("是否需要遮盖", null=True, blank=True)
    confidence = models.FloatField("识别置信度", null=True, blank=True)
    flag_reasons = models.JSONField("需人工检查的原因", default=list, blank=True)
    # Kinds of identifiers found (name / id_number / phone), never their text.
    found_kinds = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    masked_file = models.FileField("遮盖后的图片", upload_to=masked_upload_to, max_length=255, blank=True)
    job_version = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed by the running worker's heartbeat (core/leases.py); past it, the job was lost and is re-queued.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "附件姓名遮盖"
        verbose_name_plural = "附件姓名遮盖"

    def __str__(self) -> str:
        return f"{self.attachment_id}:{self.status}"

    @property
    def in_progress(self) -> bool:
        return self.status in IN_PROGRESS

    @property
    def stalled(self) -> bool:
        """Running, but its worker stopped renewing the lease: the sweep will re-queue it."""
        return (
            self.status == MaskingStatus.RUNNING
            and self.lease_expires_at is not None
            and self.lease_expires_at < timezone.now()
        )

    @property
    def flag_labels(self) -> list[str]:
        return [FlagReason.LABELS.get(r, r) for r in self.flag_reasons]

    @property
    def editor_boxes(self) -> list[list[int]]:
        """What the editor starts from: the confirmed boxes once confirmed, else the proposal."""
        if self.edited or self.status == MaskingStatus.CONFIRMED:
            return self.confirmed_boxes
        return self.proposed_boxes
