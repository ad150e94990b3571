"""Results publicity (≥ 5 working days), objections, re-check requests (复查) and certificates."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dossiers.models import Dossier
from rounds.models import Round


class ResultsPublicity(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="results_publicities")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("结果确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评审结果公示"
        verbose_name_plural = "评审结果公示"
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.starts_on}—{self.ends_on}"


class Objection(models.Model):
    """An objection raised during the results publicity, and how the office resolved it."""

    publicity = models.ForeignKey(ResultsPublicity, on_delete=models.PROTECT, related_name="objections")
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="objections")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    raised_by = models.CharField("反映人（可匿名）", max_length=64, blank=True)
    resolution = models.TextField("处理结果", blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.received_on}"


class RecheckRequest(models.Model):
    """An applicant's request for a re-check (复查) within the publicity, and the office's answer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="recheck_requests")
    publicity = models.ForeignKey(ResultsPublicity, on_delete=models.PROTECT, related_name="rechecks")
    reason = models.TextField("复查理由")
    requested_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField("答复", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "复查申请"
        verbose_name_plural = "复查申请"
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.requested_at:%Y-%m-%d}"


class Certificate(models.Model):
    """The electronic certificate of a passed dossier. The verification code is the documents app's kind of
    code (same alphabet, same public verification page)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField("证书编号", max_length=40, unique=True)
    verification_code = models.CharField("验证码", max_length=32, unique=True)
    issued_on = models.DateField("发证日期")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "电子证书"
        verbose_name_plural = "电子证书"
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number
