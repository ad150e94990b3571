"""The project's URLs plus two floor views, for the benchmarks only (ROOT_URLCONF of bench runs).

`bench/bare/` is a bare Django view: the cost of the server, middleware and session alone;
`bench/bare-query/` adds one small query. Every page's figure is read against them.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from config.urls import urlpatterns as project_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def bare_query(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse("ok", content_type="text/plain")


urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare/", bare, name="bench_bare"),
    path("bench/bare-query/", bare_query, name="bench_bare_query"),
    *project_urlpatterns,
]
