"""Request hygiene in one place: refuse an over-size body at the door, refuse NUL characters, and keep
every /api/ error in the API's format.

The size limit acts from the Content-Length, before anything reads the body. Django's own limits act
later: `DATA_UPLOAD_MAX_MEMORY_SIZE` ignores file parts, and a file part is spooled to a temporary file
whatever its size before any view can look at it. WSGI servers hand Django at most Content-Length bytes
(a body without one is read as empty), so the header is the whole bound.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape

from core.api_errors import as_api_error, error_response, is_api_request
from core.errors import DomainError, ErrorCode

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


# ---- the size of the body -------------------------------------------------------------------------


def body_limit(request: HttpRequest) -> int:
    """Multipart posts carry one attachment; any other body is form fields or JSON."""
    if request.META.get("CONTENT_TYPE", "").startswith("multipart/"):
        return int(settings.UPLOAD_REQUEST_MAX_BYTES)
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


def too_large_error(limit: int) -> DomainError:
    return DomainError(
        f"提交的内容过大（超过 {limit / 1024 / 1024:.1f} MB），已拒绝。单个附件不得超过规定大小，请压缩后重新上传。",
        code=ErrorCode.REQUEST_TOO_LARGE,
        details={"max_bytes": limit},
    )


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads such a body as empty too
        limit = body_limit(request)
        if length <= limit:
            return self.get_response(request)
        error = too_large_error(limit)
        response: HttpResponse
        if is_api_request(request):
            response = JsonResponse(error.as_dict(), status=413)
        else:
            response = HttpResponse(
                f'<p class="error" role="alert">{escape(error.message)}</p>',
                status=413,
                content_type="text/html; charset=utf-8",
            )
        _drop_unread_body(request)
        return response


def _drop_unread_body(request: HttpRequest) -> None:
    # Django's development server drains the unread body after the response, into memory in one read.
    # Marked consumed instead: the server then reads the rest as a next request, refuses it as malformed
    # and closes the connection (WSGI forbids the application to send "Connection: close" itself).
    stream = getattr(request, "environ", {}).get("wsgi.input")
    if isinstance(stream, LimitedStream):
        stream.limit = 0
