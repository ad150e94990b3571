"""Sign-in lock-out for every sign-in that comes through a request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest

from accounts.models import User


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, applied to sign-ins made through a request (the login page, the admin).

    Sign-ins without a request (the test client's `login()`, a management command) have no address to
    lock and no attacker behind them; they fall through to Django's ModelBackend instead of failing.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
