"""Short messages (SMS) through a pluggable backend, as Django does for e-mail.

`settings.SMS_BACKEND` names the backend class by dotted path: `core.sms.ConsoleBackend` prints the
message (development), `core.sms.LocmemBackend` keeps it in `core.sms.outbox` (tests); a real gateway is
one more class with `send(messages) -> int`, configured by the same setting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

# A short message should fit in a few SMS segments: longer texts are cut, the full text is in the e-mail.
MAX_CHARS = 200


@dataclass(frozen=True)
class ShortMessage:
    phone: str
    text: str


class SmsBackend(Protocol):
    def send(self, messages: list[ShortMessage]) -> int: ...


class ConsoleBackend:
    def send(self, messages: list[ShortMessage]) -> int:
        for m in messages:
            sys.stdout.write(f"[短信] 发送至 {m.phone}：{m.text}\n")
        sys.stdout.flush()
        return len(messages)


outbox: list[ShortMessage] = []


class LocmemBackend:
    def send(self, messages: list[ShortMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(getattr(settings, "SMS_BACKEND", "core.sms.ConsoleBackend"))()
    return backend


def send_sms(*, phone: str, text: str) -> int:
    """Send one short message; returns 0 (nothing sent) when there is no phone number."""
    phone = phone.strip()
    if not phone:
        return 0
    body = text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"
    return get_backend().send([ShortMessage(phone=phone, text=f"【职称申报平台】{body}")])
