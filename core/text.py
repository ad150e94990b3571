"""Normalising what people type: number fields (phone numbers, ID numbers) and lists of names.

Full-width digits (１３９…) and a full-width Ｘ come from Chinese input methods and mean the same thing, so
they are turned into ASCII; surrounding whitespace (a pasted trailing newline) is dropped. Anything else that
Python counts as a digit (Arabic-Indic ٣, Devanagari ३, superscripts…) is not a digit of a Chinese number and
is refused by the callers' ASCII-only patterns.
"""

from __future__ import annotations

import re
from typing import Any

from core.errors import ValidationFailed

_FULL_WIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("Ｘ"): ord("X"), ord("ｘ"): ord("x")}
_FULL_WIDTH[0x3000] = ord(" ")  # the ideographic space

PHONE_PATTERN = re.compile(r"1[0-9]{10}", re.ASCII)


def normalise_number(value: str) -> str:
    """Full-width digits to ASCII, surrounding whitespace (newlines included) removed."""
    return value.translate(_FULL_WIDTH).strip()


def is_mobile_phone(value: str) -> bool:
    """An 11-digit mainland mobile number, ASCII digits only (after `normalise_number`)."""
    return PHONE_PATTERN.fullmatch(value) is not None


# Bigger numbers than any version, count or id we keep; SQLite refuses integers past 2**63 with a crash.
_INT_LIMIT = 2**31


def optional_int(value: str | None, *, label: str) -> int | None:
    """A form field holding a whole number, or nothing. Malformed input is refused, never silently ignored."""
    if value is None or value.strip() == "":
        return None
    text = normalise_number(value)
    if not re.fullmatch(r"-?[0-9]{1,10}", text, re.ASCII) or abs(int(text)) >= _INT_LIMIT:
        raise ValidationFailed(f"“{label}”应为整数，收到的是“{value[:20]}”。", details={"field": label})
    return int(text)


# Words people write in an optional name field when they have nothing to enter.
NOTHING_WORDS = {"无", "没有", "暂无", "无曾用名", "-", "—", "/"}


def names_listed(value: Any) -> list[str]:
    """Names written in one field (e.g. 曾用名 in basic_info) as a list: written with 、，, ; or spaces between them;
    "无" and one-character fragments are no name (a single character would be covered everywhere it appears)."""
    parts = value if isinstance(value, list | tuple) else re.split(r"[,，、;；\s]+", str(value or ""))
    names = [str(part).strip() for part in parts]
    return [name for name in dict.fromkeys(names) if len(name) >= 2 and name not in NOTHING_WORDS]
