from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from portal.chrome import PageChrome


def page_chrome(request: HttpRequest) -> dict[str, Any]:
    """The header's menu (the roles the signed-in user holds: one place decides what a role sees) and unread
    count, and the footer's committees: read only when a page shows them (portal.chrome)."""
    return PageChrome(request).context()
