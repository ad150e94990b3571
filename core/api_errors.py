"""Maps domain errors to the API's typed error body."""

from __future__ import annotations

from django.http import Http404
from ninja import NinjaAPI

from core.errors import DomainError, ErrorCode


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def _domain_error(request, exc: DomainError):
        return api.create_response(request, exc.as_dict(), status=exc.http_status)

    @api.exception_handler(Http404)
    def _not_found(request, exc: Http404):
        body = {"code": str(ErrorCode.NOT_FOUND), "message": "未找到该记录，或您无权查看。", "details": None}
        return api.create_response(request, body, status=404)
