"""One audit row per committee action. Same signature as the house's coming `audit(actor, action, obj, **extra)`
so the committee switches to it by changing this import only."""

from __future__ import annotations

from typing import Any

from django.db import models

from accounts.models import AuditEvent, User


def audit(actor: User | None, action: str, obj: models.Model, **extra: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target=f"{obj._meta.model_name}:{obj.pk}",
        extra=extra,
    )
