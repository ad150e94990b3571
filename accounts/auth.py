"""The signed-in user of a request, typed.

`request.user` is typed `User | AnonymousUser`, while services and selectors take a `User`. Pages behind
`login_required` and API routes behind the API's session auth only ever run for a signed-in user; this is the
one place that narrows the type, and it refuses rather than pass an anonymous user on if a route were ever
left unguarded.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from core.errors import PermissionDenied


def user_or_none(request: HttpRequest) -> User | None:
    """The signed-in user, or None for an anonymous visitor (for checks that also run before sign-in)."""
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def signed_in_user(request: HttpRequest) -> User:
    """The signed-in user of a guarded page or API route."""
    user = user_or_none(request)
    if user is None:
        raise PermissionDenied("请先登录。")
    return user
