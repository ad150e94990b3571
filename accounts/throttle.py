"""Per-address throttling of failed sign-ins: a brake on guessing, never a lock-out of an office.

An office of 200 people can sit behind one address, so the address is never locked; once it has made
`LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE` failed sign-ins in the current minute, further sign-ins from it wait
until the minute is over. The (account, address) lock-out itself is django-axes' (settings AXES_*).
"""

from __future__ import annotations

import time
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest


def _key(request: HttpRequest) -> str:
    minute = int(time.time() // 60)
    return f"login-failures:{get_client_ip_address(request) or '-'}:{minute}"


def address_throttled(request: HttpRequest) -> bool:
    return int(cache.get(_key(request), 0)) >= settings.LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is None:
        return
    key = _key(request)
    cache.add(key, 0, timeout=120)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
