from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from workflow.notifications import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count and list URL for the header badge (portal/_notifications_badge.html)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user), "notifications_url": reverse("workflow:notifications")}
