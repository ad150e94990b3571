"""Helpers of the committee page tests: posting a step as the page's htmx form does, and reading the message."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse


def post_step(
    client: Client, subject: str, subject_id: int, action: str, data: dict[str, Any] | None = None, **extra: Any
):
    """POST a committee form as htmx does (the refusal comes back as a message fragment, 200)."""
    return client.post(
        reverse("committee:step", args=[subject, subject_id, action]), data or {}, HTTP_HX_REQUEST="true", **extra
    )


def refused_code(response) -> str | None:
    """The typed code of a refusal shown in a form, None when the step went through (HX-Redirect)."""
    if response.status_code == 204 and response.get("HX-Redirect"):
        return None
    text = response.content.decode()
    marker = 'data-code="'
    assert marker in text, text[:500]
    return text.split(marker, 1)[1].split('"', 1)[0]
