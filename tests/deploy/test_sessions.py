"""Sessions in production: read from Redis (written through to the database) when Redis is configured, and
only then — a cache private to each process would go on honouring a session that another process ended."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"


def _production_session_engine(**env: str) -> str:
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "sessions-test-" + "k" * 60,
        "DJANGO_ALLOWED_HOSTS": "localhost",
        **env,
    }
    found = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return found.stdout.strip()


def test_production_reads_sessions_from_the_cache_only_when_it_is_redis():
    assert _production_session_engine(REDIS_URL=REDIS_URL) == "django.contrib.sessions.backends.cached_db"
    assert _production_session_engine() == "django.contrib.sessions.backends.db"


@pytest.fixture
def redis_sessions(settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    redis.Redis.from_url(REDIS_URL).flushdb()


def _session_queries(client: Client, url: str) -> tuple[int, list[str]]:
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        status = client.get(url).status_code
    return status, [sql for sql in seen if "django_session" in sql]


def test_a_signed_in_request_reads_no_session_row_and_sign_out_ends_it_everywhere(redis_sessions, demo_users):
    signed_in = Client()
    signed_in.force_login(demo_users["demo_applicant"])
    url = reverse("dossiers:list")
    status, session_queries = _session_queries(signed_in, url)
    assert status == 200
    assert session_queries == []  # the session came from Redis

    # Another "process" holding the same cookie (a second client): ending the session in one ends it for both.
    elsewhere = Client()
    elsewhere.cookies = signed_in.cookies
    assert elsewhere.get(url).status_code == 200
    signed_in.post(reverse("accounts:logout"))
    assert elsewhere.get(url).status_code == 302
