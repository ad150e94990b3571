"""Local development keeps DEBUG on for developers, but a page that does not exist is what a new user
trying the demo meets first: it shows the site's Chinese 404 page, not Django's English debug page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        is_page = response.get("Content-Type", "").startswith("text/html")
        if response.status_code == 404 and is_page and not request.path.startswith("/api/"):
            return HttpResponse(render_to_string("404.html", request=request), status=404)
        return response
