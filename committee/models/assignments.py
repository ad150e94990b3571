"""The committee's side of blind review: which expert reviews which dossier, under which pseudonym."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dossiers.models import Dossier


class ExpertAssignment(models.Model):
    """An expert sees an assigned dossier only as `pseudonym` ("申报人 A-0421"), with masked images only."""

    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评审专家", on_delete=models.CASCADE, related_name="expert_assignments"
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name="申报材料", on_delete=models.CASCADE, related_name="expert_assignments"
    )
    # One pseudonym per dossier, shared by all its experts, unique in the round.
    pseudonym = models.CharField("匿名编号", max_length=32)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "评审专家分配"
        verbose_name_plural = "评审专家分配"
        ordering = ["pseudonym"]
        constraints = [models.UniqueConstraint(fields=["expert", "dossier"], name="one_assignment_per_expert_dossier")]
        # The expert's list pages walk this index in their order and stop at the page.
        indexes = [models.Index(fields=["expert", "pseudonym", "id"], name="assignment_expert_order")]

    def __str__(self) -> str:
        return f"{self.pseudonym} → {self.expert_id}"
