from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries for the roles the signed-in user holds (one place decides what a role sees)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from accounts.selectors import navigation_for

    return {"nav_items": navigation_for(user)}
