"""Request hygiene in one place: refuse NUL characters, and keep every /api/ error in the API's format."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.api_errors import as_api_error, error_response, is_api_request

NUL_MESSAGE = "请求中含有不允许的控制字符（NUL），请删除后重试。"


def _has_nul(request: HttpRequest) -> bool:
    # PostgreSQL refuses NUL in text, so a filter or field carrying one would fail deep inside a query.
    if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        # Only the decoded text fields: an uploaded file's bytes legitimately contain NUL.
        return any("\x00" in value for _name, values in request.POST.lists() for value in values)
    body = request.body
    return b"\x00" in body or b"\\u0000" in body


class RequestHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if is_api_request(request):
                return error_response(400, message=NUL_MESSAGE)
            return render(request, "400.html", {"message": NUL_MESSAGE}, status=400)
        response = self.get_response(request)
        return as_api_error(response) if is_api_request(request) else response
