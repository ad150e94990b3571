from __future__ import annotations

from django.conf import settings
from django.db import models

from dossiers.models import Dossier


class Transition(models.Model):
    """The audit row of every dossier state change: who, when, from, to, why, which submission."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=32)
    to_state = models.CharField(max_length=32)
    # Reasons for a return, per section: [{"section": key, "reason": text}, ...]; free text under "note".
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    submission_number = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.from_state} → {self.to_state} ({self.action})"
