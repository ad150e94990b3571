from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.selectors import navigation_for
from rounds.selectors import round_committees


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries for the roles the signed-in user holds (one place decides what a role sees)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {"nav_items": navigation_for(user)}


def footer(request: HttpRequest) -> dict[str, Any]:
    """The footer names the committees of the loaded rounds (region and specialty come from their policies).

    A callable, so the rounds are read only when a page actually renders the footer."""
    return {"site_committees": round_committees}
