"""Deadline day: applicants sign in, open and save sections, upload a JPG and check their status; clerks work
their queues. Driven by benchmarks/load/run.py (headless, loopback only); readable alone:

    .venv/bin/locust -f benchmarks/load/locustfile.py --headless -u 50 -r 10 -t 60s --host http://127.0.0.1:8100

Applicant k signs in as the k-th bulk applicant with a draft dossier (benchmarks/seeding.py: `scale{i}` with
i % 12 in {0, 1}). Every answered save is appended to SAVES_LOG (dossier, section, text) so the run can read
each dossier back at the end and count lost saves.

The users are locust's FastHttpUser (geventhttpclient): the load generator shares the box's two cores with the
servers it measures, and it spends about half the CPU per request of the requests-based HttpUser.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid
from typing import Any, cast
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task
from paper import scanned_page_jpg  # locust runs this file as a script: its folder is on the path
from urllib3 import encode_multipart_formdata

PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo@2023pass")
SAVES_LOG = os.environ.get("SAVES_LOG", "/tmp/i14-load/saves.jsonl")
# Every request's end time, name, response time and outcome (run.py reads it: the figures after the last user
# has signed in, beside locust's own for the whole run). Empty: not written.
REQUESTS_LOG = os.environ.get("REQUESTS_LOG", "")
STATE_CYCLE = 12  # len(benchmarks.seeding.STATE_MIX): indexes 0 and 1 of each cycle are drafts
CLERKS = ["demo_unit", "demo_county", "demo_prefecture"]
_applicants = itertools.count()
_clerks = itertools.count()
_log_lock = threading.Lock()


JPG = scanned_page_jpg()
SUMMARY = "任现职以来，认真履行岗位职责，负责公路工程施工技术管理与质量控制。" * 8


def _log_save(entry: dict[str, Any]) -> None:
    with _log_lock, open(SAVES_LOG, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")


_requests_out = open(REQUESTS_LOG, "w", encoding="utf-8") if REQUESTS_LOG else None  # noqa: SIM115


@events.request.add_listener
def _log_request(name: str, response_time: float, exception: Exception | None, **_: Any) -> None:
    if _requests_out is not None:  # one gevent loop: no lock needed between the users' greenlets
        _requests_out.write(f"{time.time():.3f}\t{name}\t{response_time:.1f}\t{int(exception is not None)}\n")


@events.quitting.add_listener
def _close_requests_log(**_: Any) -> None:
    if _requests_out is not None:
        _requests_out.close()


class _SignedIn(FastHttpUser):
    abstract = True

    def csrf_token(self) -> str:
        return next((c.value or "" for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def sign_in(self, username: str) -> bool:
        self.client.get("/accounts/login/", name="login page")
        response = self.client.post(
            "/accounts/login/",
            data=urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf_token()}),
            headers={"Referer": self.host or "", "Content-Type": "application/x-www-form-urlencoded"},
            name="login (POST)",
            allow_redirects=False,
        )
        return response.status_code == 302

    def api_headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf_token(), "Referer": self.host or ""}


class Applicant(_SignedIn):
    weight = 9
    wait_time = between(1, 3)

    def on_start(self) -> None:
        k = next(_applicants)
        self.username = f"scale{STATE_CYCLE * (k // 2) + k % 2:07d}"
        self.dossier_id = 0
        if self.sign_in(self.username):
            dossiers = self.client.get("/api/dossiers/", name="API my dossiers").json()
            self.dossier_id = dossiers[0]["id"] if dossiers else 0

    @task(3)
    def dossier_page(self) -> None:
        if self.dossier_id:
            self.client.get(f"/dossiers/{self.dossier_id}/", name="dossier page")

    @task(2)
    def section_form(self) -> None:
        if self.dossier_id:
            self.client.get(f"/dossiers/{self.dossier_id}/sections/work_summary/", name="section form")

    @task(3)
    def save_section(self) -> None:
        if not self.dossier_id:
            return
        text = f"{SUMMARY}（保存 {uuid.uuid4().hex}）"
        with self.client.put(
            f"/api/dossiers/{self.dossier_id}/sections/work_summary",
            json={"data": {"text": text}},
            headers=self.api_headers(),
            name="API save section",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                _log_save({"dossier": self.dossier_id, "key": "work_summary", "text": text})
            else:
                response.failure(f"save answered {response.status_code}: {response.text[:200]}")

    @task(1)
    def upload_jpg(self) -> None:
        if self.dossier_id:
            body, content_type = encode_multipart_formdata(
                {"doc_type": "paper", "file": (f"paper-{random.randrange(10**6)}.jpg", JPG, "image/jpeg")}
            )
            self.client.post(
                f"/api/dossiers/{self.dossier_id}/sections/papers/attachments",
                # geventhttpclient sends bytes as they are (locust's hint names str and dict only).
                data=cast(Any, body),
                headers={**self.api_headers(), "Content-Type": content_type},
                name="API upload JPG",
            )

    @task(2)
    def status(self) -> None:
        if self.dossier_id:
            self.client.get(f"/api/dossiers/{self.dossier_id}", name="API dossier status")


class Clerk(_SignedIn):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.sign_in(CLERKS[next(_clerks) % len(CLERKS)])

    @task(3)
    def queue_page(self) -> None:
        self.client.get("/review/", name="clerk queue page")

    @task(1)
    def queue_next_page(self) -> None:
        self.client.get("/review/?all=1&page=2", name="clerk queue page 2, all states")

    @task(2)
    def queue_api(self) -> None:
        self.client.get("/api/workflow/queue", name="API clerk queue")


class Bare(FastHttpUser):
    """The floor: a bare Django view on the same server (run alone, named on the command line)."""

    wait_time = between(1, 3)

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare/", name="bare view")
