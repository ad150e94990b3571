"""Issue 11 points 8 and 10: sign-in lock-out and throttling, password rules, production settings."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from demo.setup import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def attempt(client: Client, username: str, password: str, address: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_an_account_is_locked_only_from_the_guessing_address(demo_users):
    guesser, colleague = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(guesser, "demo_applicant", "wrong-guess", "203.0.113.9").status_code == 200
    assert attempt(guesser, "demo_applicant", "wrong-guess", "203.0.113.9").status_code == 429
    locked = attempt(guesser, "demo_applicant", DEMO_PASSWORD, "203.0.113.9")
    assert locked.status_code == 429 and "暂停登录" in locked.content.decode()
    # The owner, from the office's own address, is not locked out by a stranger's guesses.
    assert attempt(colleague, "demo_applicant", DEMO_PASSWORD, "198.51.100.7").status_code == 302
    # Another account from the guessing address is not locked either.
    assert attempt(Client(), "demo_unit", DEMO_PASSWORD, "203.0.113.9").status_code == 302


def test_an_office_of_200_behind_one_address_is_never_locked_out(demo_users, settings):
    """Every colleague mistypes once, then signs in: nobody is refused (200 < the per-minute brake is
    not even needed, since the brake only counts failures and each person fails once)."""
    office = "192.0.2.50"
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE = 250
    for i in range(200):
        attempt(Client(), f"colleague{i}", "typo", office)
    assert attempt(Client(), "demo_applicant", DEMO_PASSWORD, office).status_code == 302


def test_an_address_guessing_across_accounts_is_slowed_not_locked(demo_users, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE = 10
    address = "203.0.113.77"
    # The count is per clock minute: start at a minute's first second so that all attempts fall inside it.
    start = dt.datetime(2026, 11, 26, 10, 0, 1, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=True):
        for i in range(10):
            attempt(Client(), f"someone{i}", "guess", address)
        slowed = attempt(Client(), "demo_applicant", DEMO_PASSWORD, address)
        assert slowed.status_code == 429 and "一分钟后再试" in slowed.content.decode()
    with time_machine.travel(start + dt.timedelta(minutes=1), tick=True):  # the next minute
        assert attempt(Client(), "demo_applicant", DEMO_PASSWORD, address).status_code == 302


def test_production_hashes_with_argon2_and_tests_keep_the_fast_hasher():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from accounts.hashers import Argon2idPasswordHasher
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "accounts.hashers.Argon2idPasswordHasher"
    assert issubclass(Argon2idPasswordHasher, Argon2PasswordHasher)
    hasher = Argon2idPasswordHasher()
    encoded = hasher.encode("Strong-pass-2023", hasher.salt())  # argon2-cffi installed and working
    assert encoded.startswith("argon2$") and hasher.verify("Strong-pass-2023", encoded)
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**base_env, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_check_deploy_reports_no_issue():
    done = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="titles.example.org",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize("key", [None, "short", "dev-insecure-key-change-me-in-production" + "x" * 20])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    env = {"DJANGO_ALLOWED_HOSTS": "titles.example.org"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    done = _manage("check", **env)
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr


def test_api_docs_and_schema_are_behind_sign_in(client, demo_users):
    for url in ("/api/docs", "/api/openapi.json"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    client.force_login(demo_users["demo_applicant"])
    assert client.get("/api/openapi.json").json()["paths"]


def test_no_public_media_url(client, demo_users, settings, tmp_path):
    settings.DEBUG = True  # not even in development
    media = tmp_path / "media" / "attachments"
    media.mkdir(parents=True)
    (media / "secret.jpg").write_bytes(b"\xff\xd8 not public")
    client.force_login(demo_users["demo_applicant"])
    assert client.get("/media/attachments/secret.jpg").status_code == 404
