"""Fixtures shared by every test: real database, real files under a temporary MEDIA_ROOT,
the real policy file and demo organisation tree, and a real Chromium for browser tests."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import signals as test_signals

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


LOCALE = Path(__file__).resolve().parent.parent / "locale"


def pytest_sessionstart(session: pytest.Session) -> None:
    """The interface's Chinese comes from locale/*/LC_MESSAGES/django.mo (not versioned): compile every
    catalogue whose .po is newer than its .mo, so a fresh checkout tests what `dev.py` serves."""
    stale = [
        po
        for po in LOCALE.glob("*/LC_MESSAGES/django.po")
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if stale:
        call_command("compilemessages", "--ignore", ".venv", verbosity=0)
        # Catalogues already read before the compilation (start-up checks) would stay empty: Django's own
        # handler of a LOCALE_PATHS change (the one override_settings uses) drops them, so they are read again.
        test_signals.language_changed(setting="LOCALE_PATHS")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def orgs(db):
    from demo.setup import seed_organizations

    return seed_organizations()


@pytest.fixture
def round_2023(db):
    """The real bz-2023-highway round, loaded from its policy file."""
    from django.conf import settings

    from rounds.services import round_load_from_file

    return round_load_from_file(path=Path(settings.POLICY_DIR) / "bz-2023-highway.yaml")


@pytest.fixture
def open_round(db, round_2023):
    """A demo copy of the 2023 round whose filing window is open today."""
    from django.utils import timezone

    from rounds.services import round_create_demo

    return round_create_demo(base_slug="bz-2023-highway", today=timezone.localdate())


@pytest.fixture
def demo_users(db, orgs):
    from accounts.models import User
    from demo.setup import seed_users

    seed_users(orgs)
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def shared_cache(settings):
    """The default cache treated as shared by every process (SHARED_CACHE, as production with Redis), emptied
    before and after: the signed-in user and the page chrome are then kept in it (accounts.backends, portal.chrome)."""
    from django.core.cache import cache

    settings.SHARED_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (scripts/dev.py installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    pg.base_url = live_server.url
    yield pg
    context.close()


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def confirm_if_asked(page) -> None:
    """Press 确定 in the shared confirmation dialog (static/js/confirm.js) when the last click opened it."""
    dialog = page.locator("#confirm-dialog[open]")
    if dialog.count():
        dialog.locator("#confirm-ok").click()
