"""First start: the API docs work offline, a missing page is the site's Chinese 404 (also with the local
settings' DEBUG on), and the demo round is named for the year it computes with."""

from __future__ import annotations

import pytest
from django.utils import timezone

from config.settings import local

pytestmark = pytest.mark.django_db


def test_api_docs_load_swagger_from_our_static_files(client, demo_users):
    client.force_login(demo_users["demo_applicant"])  # the docs are for signed-in users
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/static/ninja/swagger-ui.css" in html
    assert "cdn" not in html.lower()


def test_missing_page_is_the_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode() and "Page not found" not in response.content.decode()


def test_missing_page_is_chinese_with_local_debug_settings(client, settings):
    settings.DEBUG = True
    settings.MIDDLEWARE = local.MIDDLEWARE
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body and "Page not found" not in body and "URLconf" not in body


def test_demo_round_is_named_for_its_own_year(open_round):
    year = timezone.localdate().year
    assert open_round.name.startswith("演示批次 · ") and f"{year}年" in open_round.name
    assert "2023" not in open_round.name or year == 2023
    assert open_round.year == year
