"""The one mapping from a domain refusal to a page, as core.api_errors is for the API.

A view decorated with `@refusals_shown(...)` lets services raise: a `NotFound` becomes the 404 page (a
missing and a hidden record look the same); any other DomainError becomes its Chinese message — inside
the htmx fragment the request asked for, as a flash message on the page the user came from, or (`page=True`,
for pages and files that have no page to go back to) as the refusal page with the error's HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError, NotFound

View = Callable[..., HttpResponseBase]
T = TypeVar("T")

# A list page that can grow with the data shows this many rows at a time (templates/pagination.html).
LIST_PAGE_SIZE = 50


def page_of(items: QuerySet[Any] | Sequence[T], request: HttpRequest, per_page: int = LIST_PAGE_SIZE) -> Page[Any]:
    """The page of `items` the address asks for (?page=…; a page out of range is the nearest one): the
    database counts and cuts it (COUNT + LIMIT/OFFSET), never the whole list."""
    return Paginator(items, per_page).get_page(request.GET.get("page") or 1)


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def refusal_response(request: HttpRequest, exc: DomainError, *, back: str) -> HttpResponse:
    """The page's answer to a refusal: the message where the user will read it, nothing else changed."""
    if is_htmx(request):
        # 200 so htmx swaps the message in; the form the user filled stays as it was.
        return HttpResponse(
            format_html('<div class="msg msg-error" role="alert" data-code="{}">{}</div>', exc.code, exc.message)
        )
    messages.error(request, exc.message)
    return redirect(back)


def _back(request: HttpRequest, back: str | None, kwargs: dict[str, Any]) -> str:
    if back:
        return reverse(back, kwargs=kwargs)
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure()):
        return referer
    return "/"


def refusal_page(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The refusal as a page of its own (templates/refused.html), with the error's HTTP status."""
    return render(request, "refused.html", {"message": exc.message, "code": exc.code}, status=exc.http_status)


def refusals_shown(back: str | None = None, *, page: bool = False) -> Callable[[View], View]:
    """Map DomainErrors raised by the view. `back` names the URL to return to (reversed with the view's own
    URL arguments, e.g. the detail page of the same pk); without it, the page the user came from. `page=True`
    answers with the refusal page instead of going back (a GET page or a file that could not be shown)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except DomainError as exc:
                if page and not is_htmx(request):
                    return refusal_page(request, exc)
                return refusal_response(request, exc, back=_back(request, back, kwargs))

        return wrapper

    return decorator
