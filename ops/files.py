"""Stored files leave through the proxy or the object store, not through a web worker.

The permission-checked views decide who gets which file and answer with a FileResponse over the stored file.
This middleware changes only how the bytes travel, never who gets them:

- `FILE_DELIVERY = "presigned"` (S3-compatible storage): a 302 to a presigned URL valid for
  `AWS_QUERYSTRING_EXPIRE` seconds (60 by default), carrying the view's content type and disposition;
- `FILE_DELIVERY = "accel"` (files on a volume the proxy also mounts): an empty response with
  `X-Accel-Redirect: /protected/<name>`, which an `internal` location of nginx (or Caddy's `intercept`) serves;
- `FILE_DELIVERY = "django"` (development): the worker streams the file, as the view wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect

ACCEL_PREFIX = "/protected/"


class OffloadFileMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        mode = getattr(settings, "FILE_DELIVERY", "django")
        if mode == "django" or not isinstance(response, FileResponse):
            return response
        stored = getattr(response, "file_to_stream", None)
        storage, name = getattr(stored, "storage", None), getattr(stored, "name", None)
        if storage is None or not name:
            return response  # made in memory (a PDF being drawn, a ZIP part): nothing to hand over
        offloaded = _presigned(response, storage, name) if mode == "presigned" else _accel(response, name)
        response.close()
        for header in ("Cache-Control", "X-Content-Type-Options"):
            if header in response:
                offloaded[header] = response[header]
        return offloaded


def _presigned(response: FileResponse, storage: object, name: str) -> HttpResponse:
    parameters = {"ResponseContentType": response["Content-Type"], "ResponseCacheControl": "private, no-store"}
    if "Content-Disposition" in response:
        parameters["ResponseContentDisposition"] = response["Content-Disposition"]
    url = storage.url(name, parameters=parameters)  # type: ignore[attr-defined]
    return HttpResponseRedirect(url)


def _accel(response: FileResponse, name: str) -> HttpResponse:
    offloaded = HttpResponse(content_type=response["Content-Type"])
    offloaded["X-Accel-Redirect"] = ACCEL_PREFIX + quote(name)
    if "Content-Disposition" in response:
        offloaded["Content-Disposition"] = response["Content-Disposition"]
    return offloaded
