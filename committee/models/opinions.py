"""What each assigned expert writes before the meeting: an opinion and a score per dossier."""

from __future__ import annotations

from django.db import models

from committee.models.assignments import ExpertAssignment


class ExpertOpinion(models.Model):
    assignment = models.OneToOneField(ExpertAssignment, on_delete=models.CASCADE, related_name="opinion")
    opinion = models.TextField("评审意见")
    score = models.DecimalField("评分", max_digits=5, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "专家评审意见"
        verbose_name_plural = "专家评审意见"

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.score}"
