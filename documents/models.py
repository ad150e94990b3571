"""Files the platform produces (evaluation forms, the notice's annexes, rosters) and batch jobs."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from accounts.models import Organization
from dossiers.models import Dossier
from rounds.models import Round


class DocumentKind(models.TextChoices):
    EVALUATION_FORM = "evaluation_form", "专业技术职务任职资格评审表"
    PUBLICITY_NOTICE = "publicity_notice", "推荐单位公示"
    PUBLICITY_RESULT = "publicity_result", "推荐单位公示结果"
    COMMITMENT = "commitment", "个人承诺书"
    CE_EXEMPTION = "ce_exemption", "继续教育免试申请表"
    ROSTER = "roster", "申报人员花名册"
    EVALUATION_FORM_BATCH = "evaluation_form_batch", "评审表批量打包"
    CERTIFICATE = "certificate", "专业技术职务任职资格证书"


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word"
    XLSX = "xlsx", "Excel"
    ZIP = "zip", "ZIP"


CONTENT_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileFormat.ZIP: "application/zip",
}


def document_upload_to(instance: GeneratedDocument, filename: str) -> str:
    return f"documents/{instance.round.slug}/{instance.kind}/{uuid.uuid4().hex}.{instance.file_format}"


class GeneratedDocument(models.Model):
    """One produced file. Evaluation forms carry a random verification code printed on them (with a QR)."""

    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.CASCADE, related_name="documents")
    round = models.ForeignKey(Round, verbose_name="评审批次", on_delete=models.PROTECT, related_name="documents")
    # The organisation a roster or batch covers (unit or county); empty for a whole round or a dossier's file.
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField("文件类型", max_length=32, choices=DocumentKind.choices)
    file_format = models.CharField("格式", max_length=8, choices=FileFormat.choices)
    file = models.FileField(upload_to=document_upload_to, max_length=255)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField(default=0)
    # Random, unguessable; evaluation forms and certificates have one. Unique, so a lookup is the whole check.
    verification_code = models.CharField("验证码", max_length=32, null=True, blank=True, unique=True)
    # What was printed (e.g. print time, publicity dates) so the record explains the file.
    meta = models.JSONField(default=dict, blank=True)
    # Digest of everything a file generated on demand depends on: the same content gives back the stored
    # file instead of a new one (a GET never stores a copy, nor makes an earlier print "not the latest").
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "生成文件"
        verbose_name_plural = "生成文件"
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two simultaneous first downloads store one file; the other finds it.
            models.UniqueConstraint(
                fields=["dossier", "kind", "file_format", "content_hash"],
                condition=~models.Q(content_hash=""),
                name="one_document_per_content_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.file_format}) #{self.pk}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[FileFormat(self.file_format)]

    @property
    def download_name(self) -> str:
        if self.dossier is not None:
            subject = self.dossier.serial_number
        elif self.organization is not None:
            subject = self.organization.name
        else:
            subject = self.round.slug
        return f"{self.get_kind_display()}-{subject}.{self.file_format}"


class BatchJob(models.Model):
    """A background job producing many files at once (e.g. every evaluation form of a unit as one ZIP)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="batch_jobs")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="batch_jobs")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices, default=DocumentKind.EVALUATION_FORM_BATCH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    result = models.ForeignKey(GeneratedDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Renewed by the running worker's heartbeat (core/leases.py); past it, the job was lost and is re-queued.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"batch #{self.pk} {self.organization} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.processed * 100 / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class OwedDocument(models.Model):
    """A file a committed step owes (e.g. the 推荐单位公示 of a publicity that started).

    The step records the debt inside its transaction; a job enqueued on commit (or the first read of the
    dossier's documents) produces the file. A crash in between leaves the file still owed — never a row
    that points to a file that was written by a transaction which then rolled back.
    """

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="owed_documents")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    # The arguments of the generator (dates as ISO strings), as they were at the step.
    params = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    produced = models.ForeignKey(GeneratedDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    produced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"owed {self.kind} for dossier {self.dossier_id}"
