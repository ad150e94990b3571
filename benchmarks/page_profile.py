"""Where the CPU of the applicant's deadline-day requests goes, in process, under the load settings.

    .venv/bin/python benchmarks/page_profile.py [--seed 10000] [--repeat 25] [--profile "dossier page"]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_pagecost] [--redis-url redis://127.0.0.1:6379/13]

The requests of benchmarks/load/locustfile.py's applicant (sign-in, dossier page, work-summary form, API save,
API JPG upload, API status, API list, sign-in page) and clerks (queue page, its second page, API queue, for each
clerk of the scenario), made with Django's test client (the full handler: middleware, session, axes,
whitenoise) on `benchmarks.load.settings` (production over HTTP) against PostgreSQL and Redis. `--seed N`
recreates the database and seeds it as run.py does (no worker: the OCR jobs an upload queues stay queued).
Each request: one warm-up, then `--repeat` timed ones (median and p90 wall ms, median CPU ms of this process:
the server's share, without PostgreSQL's; queries of one request). An
upload is deleted again after it is timed (not timed), so the dossier never reaches its attachment limit. The
sign-in is its POST alone, from a client of its own signed out and holding the sign-in page's cookie (not timed).
`--profile NAME` prints cProfile's top functions (cumulative and own time) of that request over the repeats.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages
from benchmarks.load.paper import scanned_page_jpg  # noqa: E402
from benchmarks.load.run import PASSWORD  # noqa: E402
from benchmarks.scale_bench import StatementRecorder  # noqa: E402

WORK = Path("/tmp/pagecost-profile")
CLERKS = ("demo_unit", "demo_county", "demo_prefecture")  # the clerks of benchmarks/load/locustfile.py


def _environment(args: argparse.Namespace) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.load.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "DJANGO_SECRET_KEY": "page-profile-" + "k" * 60,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "MEDIA_ROOT": str(WORK / "media"),
            "STATIC_ROOT": str(WORK / "static"),
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))


def _seed(args: argparse.Namespace) -> None:
    from benchmarks.load.run import seed_database

    seed_database(args.database_url, args.redis_url, args.seed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=0, help="recreate the database with this many bulk dossiers")
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--profile", action="append", default=[], help="a request name to profile (repeatable)")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="append", default=[], help="a request name whose SQL to print (repeatable)")
    parser.add_argument(
        "--only", default="", help="a regular expression: list only the profiled functions whose file matches it"
    )
    parser.add_argument("--username", default="scale0000000", help="a bulk applicant with a draft dossier")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_pagecost")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    _environment(args)
    if args.seed:
        _seed(args)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from dossiers.models import Attachment
    from dossiers.services import attachment_delete

    client = Client()
    jpg = scanned_page_jpg()
    state: dict[str, Any] = {}

    def login() -> Any:
        client.logout()
        client.get("/accounts/login/")
        return client.post(
            "/accounts/login/",
            {"username": args.username, "password": PASSWORD, "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
        )

    def csrf() -> dict[str, str]:
        return {"X-CSRFToken": client.cookies["csrftoken"].value}

    login()
    dossier_id = client.get("/api/dossiers/").json()[0]["id"]
    summary = "任现职以来，认真履行岗位职责，负责公路工程施工技术管理与质量控制。" * 8

    anonymous = Client()  # one client: a new one loads the middleware (whitenoise reads every static file)

    def login_page() -> Any:
        anonymous.cookies.clear()  # a newcomer's first visit: no session, no CSRF cookie yet
        return anonymous.get("/accounts/login/")

    def upload() -> Any:
        response = client.post(
            f"/api/dossiers/{dossier_id}/sections/papers/attachments",
            {"doc_type": "paper", "file": _named(jpg)},
            headers=csrf(),
        )
        state["uploaded"] = response.json().get("id")
        return response

    def after_upload() -> None:
        if state.get("uploaded"):
            attachment_delete(
                attachment_id=state["uploaded"], actor=Attachment.objects.get(pk=state["uploaded"]).dossier.applicant
            )
            state["uploaded"] = None

    signer = Client()  # its own client: the others stay signed in

    def sign_in_form() -> None:
        """What a newcomer has before the POST: no session, the sign-in page's CSRF cookie (not timed)."""
        signer.logout()
        signer.cookies.clear()
        signer.get("/accounts/login/")

    def sign_in() -> Any:
        return signer.post(
            "/accounts/login/",
            {"username": args.username, "password": PASSWORD, "csrfmiddlewaretoken": signer.cookies["csrftoken"].value},
        )

    sign_in_form()
    requests: list[tuple[str, Callable[[], Any], Callable[[], None] | None]] = [
        ("login (POST)", sign_in, sign_in_form),
        ("dossier page", lambda: client.get(f"/dossiers/{dossier_id}/"), None),
        ("section form", lambda: client.get(f"/dossiers/{dossier_id}/sections/work_summary/"), None),
        (
            "API save section",
            lambda: client.put(
                f"/api/dossiers/{dossier_id}/sections/work_summary",
                {"data": {"text": summary + str(time.perf_counter_ns())}},
                content_type="application/json",
                headers=csrf(),
            ),
            None,
        ),
        ("API upload JPG", upload, after_upload),
        ("API dossier status", lambda: client.get(f"/api/dossiers/{dossier_id}"), None),
        ("API my dossiers", lambda: client.get("/api/dossiers/"), None),
        ("login page", login_page, None),
    ]
    for clerk in CLERKS:  # the clerks of the load scenario, each signed in on a client of their own
        clerk_client = Client()
        clerk_client.force_login(User.objects.get(username=clerk))
        requests += [
            (f"{clerk}: queue page", partial(clerk_client.get, "/review/"), None),
            (f"{clerk}: queue page 2, all states", partial(clerk_client.get, "/review/?all=1&page=2"), None),
            (f"{clerk}: API queue", partial(clerk_client.get, "/api/workflow/queue"), None),
        ]
    requests.append(("bare view", lambda: client.get("/bench/bare/"), None))
    print(f"dossier {dossier_id} of {args.username}; {args.repeat} timed requests each after one warm-up")
    print("| request | status | median ms | p90 ms | median CPU ms (this process) | queries | bytes |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    profiles: dict[str, cProfile.Profile] = {}
    for name, call, after in requests:
        response = call()
        if after:
            after()
        statements: list[str] = []
        with connection.execute_wrapper(StatementRecorder(statements)):
            call()
        if after:
            after()
        if name in args.sql:
            print(f"\n==== {name}: {len(statements)} statements")
            for number, sql in enumerate(statements, 1):
                print(f"{number:3d}. {sql[:400]}")
        times, cpu = [], []
        profile = cProfile.Profile() if name in args.profile else None
        for _ in range(args.repeat):
            if profile:
                profile.enable()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = call()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            if profile:
                profile.disable()
            if after:
                after()
        if profile:
            profiles[name] = profile
        times.sort()
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        wall, own = statistics.median(times), statistics.median(cpu)
        print(
            f"| {name} | {response.status_code} | {wall:.1f} | {p90:.1f} | {own:.1f} | {len(statements)} "
            f"| {len(response.content):,} |"
        )
    for name, profile in profiles.items():
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            if args.only:  # on full paths: the project's own files, e.g. "/work/main/(?!\.venv)"
                stats.sort_stats(order).print_stats(args.only, args.top)
            else:
                stats.strip_dirs().sort_stats(order).print_stats(args.top)
            print(f"\n==== {name}: by {order}\n{out.getvalue()}")


def _named(content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("paper.jpg", content, content_type="image/jpeg")


if __name__ == "__main__":
    main()
