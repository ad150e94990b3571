"""The fraud register (弄虚作假记录) kept by the prefecture office and read by every eligibility check."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from stdnum.cn import ric


class FraudFinding(models.Model):
    """A confirmed fraud finding: the person may not apply for 3 years from the year after `round_year`
    (notice 五(一)14, 八(二)); the ban length is a policy parameter (eligibility.fraud_ban)."""

    id_number = models.CharField("身份证号码", max_length=18, db_index=True)
    name = models.CharField("姓名", max_length=64, blank=True)
    round_year = models.PositiveSmallIntegerField("查实的评审年度")
    note = models.TextField("情况说明", blank=True)
    # What proves it (documents, findings of the check); required when the committee records a case.
    evidence = models.TextField("证据材料", blank=True)
    # The fraudulent application, when the finding was made on a dossier of this platform.
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name="所涉申报",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fraud_findings",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "弄虚作假记录"
        verbose_name_plural = "弄虚作假记录"
        ordering = ["-round_year", "id_number"]

    def __str__(self) -> str:
        return f"{self.id_number} · {self.round_year} 年"

    def clean(self) -> None:
        self.id_number = normalise_id_number(self.id_number)
        if not ric.is_valid(self.id_number):
            raise ValidationError({"id_number": "身份证号码校验不通过，请核对。"})
        if not 2000 <= self.round_year <= 2100:
            raise ValidationError({"round_year": "评审年度应为 2000—2100 之间的年份。"})


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()
