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


class RecheckStatus(models.TextChoices):
    """The detector run again on the masked copy: experts only ever receive a CLEAN copy."""

    NONE = "", "尚未生成遮盖后的图片"
    PENDING = "pending", "正在复查遮盖后的图片"
    CLEAN = "clean", "复查通过"
    LEAK = "leak", "遮盖后仍可识别出本人信息"
    FAILED = "failed", "复查失败"


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
    # Every occurrence detection found: [{"id", "kind", "box" (padded), "core" (the glyphs), "exact"}].
    # Each must stay covered unless the applicant marked it in `not_mine`.
    findings = models.JSONField("自动识别到的本人信息", default=list, blank=True)
    # {finding id: reason} — the applicant's "不是本人姓名" marks.
    not_mine = models.JSONField("标记为非本人信息", default=dict, blank=True)
    # Degrees (counter-clockwise) the upload was turned to be upright; the stored file is the upright copy.
    rotation = models.PositiveSmallIntegerField("自动转正角度", default=0)
    error = models.TextField(blank=True)
    # Grows with every rendering of the masked copy, so a stale recheck cannot judge a newer copy.
    copy_version = models.PositiveIntegerField(default=0)
    recheck = models.CharField(
        "遮盖后复查", max_length=8, choices=RecheckStatus.choices, default=RecheckStatus.NONE, blank=True
    )
    # What the recheck still read on the masked copy: boxes and kinds, never the text.
    leak_boxes = models.JSONField(default=list, blank=True)
    leak_kinds = models.JSONField(default=list, blank=True)
    rechecked_at = models.DateTimeField(null=True, blank=True)
    # The prefecture office's overrulings: [{"by", "at", "findings", "leaks", "reason"}].
    overrulings = models.JSONField("州评委会办公室的更正", default=list, blank=True)
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
    def servable_to_experts(self) -> bool:
        return self.status == MaskingStatus.CONFIRMED and bool(self.masked_file) and self.recheck == RecheckStatus.CLEAN

    @property
    def flag_labels(self) -> list[str]:
        return [FlagReason.LABELS.get(r, r) for r in self.flag_reasons]

    @property
    def editor_boxes(self) -> list[list[int]]:
        """What the editor starts from: the confirmed boxes once confirmed, else the proposal."""
        if self.edited or self.status == MaskingStatus.CONFIRMED:
            return self.confirmed_boxes
        return self.proposed_boxes
