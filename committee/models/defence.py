"""The oral defence (现场答辩, notice 三(四) and 六): sessions, quantified score sheets, and each dossier's
outcome (defended, exempt with the average, exempt as passing, or no defence for its kind)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dossiers.models import Dossier
from rounds.models import Round


class DefenceSession(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="defence_sessions")
    held_on = models.DateField("答辩日期")
    place = models.CharField("答辩地点", max_length=200)
    panel = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="答辩评委", related_name="defence_panels")
    dossiers = models.ManyToManyField(Dossier, verbose_name="答辩人员", related_name="defence_sessions", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "答辩场次"
        verbose_name_plural = "答辩场次"
        ordering = ["held_on", "id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class DefenceScore(models.Model):
    """One panel member's sheet for one defended applicant: item → points (items from the policy's sheet)."""

    session = models.ForeignKey(DefenceSession, on_delete=models.CASCADE, related_name="scores")
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="defence_scores")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField("分项得分")
    total = models.DecimalField("合计", max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "答辩评分表"
        verbose_name_plural = "答辩评分表"
        constraints = [
            models.UniqueConstraint(fields=["session", "dossier", "member"], name="one_sheet_per_member_dossier")
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} by {self.member_id}: {self.total}"


class DefenceOutcome(models.Model):
    """A dossier's defence result, recomputed whenever a score of its year, specialty and level changes."""

    class Basis(models.TextChoices):
        DEFENDED = "defended", "参加答辩，取评委平均分"
        EXEMPT_AVERAGE = "exempt_average", "免于答辩，取当年同专业同级别答辩人员平均分"
        EXEMPT_PASS = "exempt_pass", "免于答辩，按通过答辩对待"
        NOT_REQUIRED = "not_required", "该申报类型不参加答辩"
        PENDING = "pending", "尚未评分"

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="defence_outcome")
    basis = models.CharField("依据", max_length=16, choices=Basis.choices)
    score = models.DecimalField("答辩得分", max_digits=6, decimal_places=2, null=True, blank=True)
    # None while pending; exempt-as-passing and not-required count as passed.
    passed = models.BooleanField("通过答辩", null=True, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "答辩结果"
        verbose_name_plural = "答辩结果"

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.basis} {self.score}"
