"""The API's one error format, `{"code", "message", "details"}`, whatever went wrong and whatever DEBUG says.

Domain refusals carry their own code; request bodies that do not match the schema, unknown routes, wrong
methods, missing sign-in and unexpected failures are mapped here, so a client never has to parse HTML or
ninja's own `{"detail": …}` shape.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.parser import Parser

from core.errors import DomainError, ErrorCode

logger = logging.getLogger("core.api")


class ErrorOut(Schema):
    """The error body every route answers with (documented per route as `**ERRORS`)."""

    code: str
    message: str
    details: Any = None


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}

API_PREFIX = "/api/"

# Chinese wording of the pydantic error types a client can provoke; anything else reads "格式不正确".
_SCHEMA_MESSAGES = {
    "missing": "此项必填",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "date_from_datetime_parsing": "应为日期（年-月-日）",
    "date_parsing": "应为日期（年-月-日）",
    "date_type": "应为日期（年-月-日）",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "string_too_long": "文本过长",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
}

_STATUS_CODES = {
    400: ErrorCode.INVALID_INPUT,
    401: ErrorCode.NOT_AUTHENTICATED,
    403: ErrorCode.PERMISSION_DENIED,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.INVALID_INPUT,
    429: ErrorCode.THROTTLED,
}

_STATUS_MESSAGES = {
    400: "请求数据格式不正确。",
    401: "请先登录。",
    403: "您无权进行此操作（或页面已过期，请刷新后重试）。",
    404: "未找到该记录，或您无权查看。",
    405: "该地址不支持此请求方法。",
    413: "请求数据过大。",
    429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误，请稍后重试；如问题持续，请联系管理员。",
}


BAD_BODY_MESSAGE = "请求体不是有效的 JSON（数字须为有限值，不接受 NaN、Infinity）。"


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 parses to inf
        raise ValueError(f"{text} is not a finite number")
    return value


class StrictJSONParser(Parser):
    """JSON as the standard defines it: Python's json module would accept NaN and Infinity, which then reach
    arithmetic (box coordinates, hours) and crash it."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json.loads(request.body, parse_constant=_refuse_constant, parse_float=_finite_float)


def error_body(status: int, *, message: str | None = None, details: Any = None) -> dict[str, Any]:
    code = _STATUS_CODES.get(status, ErrorCode.SERVER_ERROR if status >= 500 else ErrorCode.INVALID_INPUT)
    return {
        "code": str(code),
        "message": message or _STATUS_MESSAGES.get(status, _STATUS_MESSAGES[400]),
        "details": details,
    }


def error_response(status: int, *, message: str | None = None, details: Any = None) -> JsonResponse:
    """A response in the API's format, for code outside ninja (middleware, 404 handler)."""
    return JsonResponse(error_body(status, message=message, details=details), status=status)


def schema_issues(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic errors as [{"path", "message"}]; the path leaves out ninja's "body"/"payload" wrappers."""
    issues = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path", "form")]
        issues.append({"path": ".".join(loc), "message": _SCHEMA_MESSAGES.get(str(err.get("type")), "格式不正确")})
    return issues


def _schema_message(issues: list[dict[str, str]]) -> str:
    listed = "；".join(f"{i['path'] or '请求'}：{i['message']}" for i in issues[:5])
    return f"请求数据不符合要求：{listed}。"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.http_status)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body(404), status=404)

    @api.exception_handler(SchemaValidationError)
    def _schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        issues = schema_issues(list(exc.errors))
        body = error_body(400, message=_schema_message(issues), details={"errors": issues})
        return api.create_response(request, body, status=400)

    @api.exception_handler(DjangoValidationError)
    def _model_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        body = error_body(400, message="；".join(exc.messages) or None)
        return api.create_response(request, body, status=400)

    @api.exception_handler(AuthenticationError)
    def _not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, error_body(401), status=401)

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        message = None
        if "CSRF" in str(exc):
            message = "CSRF 校验失败，请刷新页面后重试。"
        elif str(exc).startswith("Cannot parse request body"):
            message = BAD_BODY_MESSAGE
        return api.create_response(request, error_body(status, message=message), status=status)

    @api.exception_handler(Exception)
    def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Logged with its traceback for the operator; the client gets the format, never a page or a trace.
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return api.create_response(request, error_body(500), status=500)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def as_api_error(response: HttpResponse) -> HttpResponse:
    """An error response produced outside ninja (404 route, 405 method, CSRF page) rewritten to the format."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    rewritten = error_response(response.status_code)
    if response.has_header("Allow"):
        rewritten["Allow"] = response["Allow"]
    return rewritten
