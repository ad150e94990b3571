#!/usr/bin/env python3
"""Replay hostile uploads, bad inputs and simple races against a RUNNING server; report every 5xx.

    .venv/bin/python scripts/probe_security.py --serve            # own server: temp SQLite + demo data, gunicorn
    .venv/bin/python scripts/probe_security.py --base-url http://127.0.0.1:8000   # a server you started (demo data)

Only 127.0.0.1 is ever contacted; the request count is bounded (about 300). Exit status 0 = zero 5xx.
Issue 11's "Done when": the probe the README's Security section refers to.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2023pass"
DEMO_ROUND = "demo-bz-highway"
JSON_HEADERS = {"Content-Type": "application/json"}


# ---- hostile files -------------------------------------------------------------------------------------


def jpeg(width: int = 900, height: int = 1200, *, text: str = "scan") -> bytes:
    img = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(img).text((40, 40), text, fill="black")
    out = io.BytesIO()
    img.save(out, "JPEG")
    return out.getvalue()


def header_bomb(claimed: int = 6320) -> bytes:
    """A tiny JPEG whose SOF header claims claimed×claimed pixels (the 849-byte sample of issue 11)."""
    raw = bytearray(jpeg(8, 8))
    at = raw.find(b"\xff\xc0")
    struct.pack_into(">HH", raw, at + 5, claimed, claimed)
    return bytes(raw)


def with_comment(payload: bytes) -> bytes:
    raw = jpeg()
    segment = b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload
    return raw[:2] + segment + raw[2:]


def mpo() -> bytes:
    first = Image.open(io.BytesIO(jpeg(text="first frame")))
    out = io.BytesIO()
    first.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", first.size, "gray")])
    return out.getvalue()


def png_named_jpg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(out, "PNG")
    return out.getvalue()


HOSTILE_UPLOADS: dict[str, Callable[[], bytes]] = {
    "header-bomb-6320x6320": header_bomb,
    "header-bomb-65500": lambda: header_bomb(65500),
    "script-comment": lambda: with_comment(b"<script>alert(document.cookie)</script>"),
    "php-comment": lambda: with_comment(b"<?php system($_GET['c']); ?>"),
    "mpo-from-a-phone": mpo,
    "png-named-jpg": png_named_jpg,
    "truncated-jpeg": lambda: jpeg()[:400],
    "empty": lambda: b"",
    "random-bytes": lambda: random.Random(11).randbytes(5000),
    "jpeg-then-zip": lambda: jpeg() + b"PK\x03\x04" + b"\x00" * 200,
}


# ---- the probe ---------------------------------------------------------------------------------------


class Probe:
    def __init__(self, base: str) -> None:
        host = urlsplit(base).hostname
        if host not in ("127.0.0.1", "localhost"):
            raise SystemExit("the probe only talks to a server on 127.0.0.1")
        self.base = base.rstrip("/")
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []

    def record(self, label: str, response: requests.Response) -> requests.Response:
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {label}: {response.text[:200]!r}")
        elif response.status_code >= 400 and urlsplit(response.url).path.startswith("/api/"):
            try:
                body = response.json()
                assert set(body) == {"code", "message", "details"}
            except (ValueError, AssertionError):
                self.failures.append(f"{response.status_code} {label}: not the API error format")
        return response

    def session(self, username: str) -> requests.Session:
        s = requests.Session()
        s.get(f"{self.base}/accounts/login/", timeout=30)
        token = s.cookies["csrftoken"]
        r = s.post(
            f"{self.base}/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 302:
            raise SystemExit(f"cannot sign in as {username} ({r.status_code}); is the demo set-up loaded?")
        s.headers.update({"X-CSRFToken": str(s.cookies["csrftoken"]), "Referer": f"{self.base}/"})
        return s

    def call(self, s: requests.Session, label: str, method: str, path: str, **kwargs: object) -> requests.Response:
        return self.record(label, s.request(method, f"{self.base}{path}", timeout=120, **kwargs))  # type: ignore[arg-type]

    # -- scenarios --

    def own_dossier(self, s: requests.Session) -> int:
        self.call(
            s,
            "create dossier",
            "POST",
            "/api/dossiers/",
            json={"round": DEMO_ROUND, "level": "mid", "kind": "evaluation"},
        )
        dossiers = self.call(s, "list dossiers", "GET", "/api/dossiers/").json()
        editable = [d for d in dossiers if d["editable"]]
        if not editable:
            raise SystemExit("the probe applicant has no editable dossier")
        return int(editable[0]["id"])

    def uploads(self, s: requests.Session, dossier: int) -> int | None:
        attachment = None
        for name, make in HOSTILE_UPLOADS.items():
            r = self.call(
                s, f"upload {name}", "POST", f"/api/dossiers/{dossier}/sections/education/attachments",
                files={"file": (f"{name}.jpg", make(), "image/jpeg")}, data={"doc_type": "diploma"},
            )  # fmt: skip
            if r.status_code == 201:
                attachment = r.json()["id"]
        return attachment

    def bad_inputs(self, s: requests.Session, dossier: int, attachment: int | None) -> None:
        put = f"/api/dossiers/{dossier}/sections"
        cases: list[tuple[str, str, str, dict[str, object]]] = [
            ("date as number", "PUT", f"{put}/basic_info", {"json": {"data": {"birth_date": 19800101}}}),
            ("row date as number", "PUT", f"{put}/work_history", {"json": {"data": {"rows": [{"start": 2001}]}}}),
            ("full-width phone", "PUT", f"{put}/basic_info", {"json": {"data": {"phone": "１３９１２３４５６７８"}}}),
            ("arabic digits", "PUT", f"{put}/basic_info", {"json": {"data": {"phone": "1٣٩١٢٣٤٥٦٧٨"}}}),
            ("id with newline", "PUT", f"{put}/basic_info", {"json": {"data": {"id_number": "11010519491231002X\n"}}}),
            ("NUL in field", "PUT", f"{put}/basic_info", {"json": {"data": {"name": "张\u0000三"}}}),
            (
                "version=abc api",
                "POST",
                f"/api/dossiers/{dossier}/actions/submit",
                {"json": {"expected_version": "abc"}},
            ),
            ("version=abc page", "POST", f"/dossiers/{dossier}/submit/", {"data": {"version": "abc"}}),
            ("NUL in filter", "GET", "/api/workflow/queue?status=a%00b", {}),
            ("NUL in page filter", "GET", "/review/?status=a%00b", {}),
            ("eligibility year 99999", "POST", "/api/eligibility/check", {"json": {"round_year": 99999}}),
            (
                "malformed JSON",
                "POST",
                "/api/dossiers/",
                {"data": "{nope", "headers": {"Content-Type": "application/json"}},
            ),
            ("unknown api route", "GET", "/api/nothing-here", {}),
            ("wrong method", "DELETE", f"/api/dossiers/{dossier}/completeness", {}),
            ("huge id", "GET", "/api/dossiers/99999999999999999999999", {}),
            ("open redirect", "POST", "/review/notifications/read/", {"data": {"next": "//evil.example/"}}),
        ]
        if attachment is not None:
            for raw in ("[[Infinity,0,1,1]]", "[[1e400,0,1,1]]", "[[NaN,0,1,1]]", "[[1,2]]", '"x"'):
                body = '{"boxes": ' + raw + "}"
                cases.append((f"boxes {raw}", "PUT", f"/api/masking/attachments/{attachment}/boxes",
                              {"data": body, "headers": {"Content-Type": "application/json"}}))  # fmt: skip
        for label, method, path, kwargs in cases:
            r = self.call(s, label, method, path, allow_redirects=False, **kwargs)
            if label == "open redirect" and "evil.example" in r.headers.get("Location", ""):
                self.failures.append("open redirect: next=//evil.example/ was followed")
        anon = requests.Session()
        anon.get(f"{self.base}/accounts/register/", timeout=30)
        for username in ("with space", "semi;colon", "<script>", "a" * 200):
            self.record(f"register {username[:20]!r}", anon.post(
                f"{self.base}/accounts/register/",
                data={"username": username, "full_name": "探针", "phone": "１３９１２３４５６７８", "unit": "1",
                      "password": "Probe-pass-2023", "password_confirm": "Probe-pass-2023",
                      "csrfmiddlewaretoken": anon.cookies.get("csrftoken", "")},
                headers={"Referer": f"{self.base}/accounts/register/"}, allow_redirects=False, timeout=30,
            ))  # fmt: skip

    def races(self, s: requests.Session, dossier: int) -> None:
        photo = jpeg(413, 579, text="photo")

        def parallel(label: str, n: int, fn: Callable[[int], requests.Response]) -> None:
            with ThreadPoolExecutor(max_workers=n) as pool:
                for r in pool.map(fn, range(n)):
                    self.record(label, r)

        api = f"{self.base}/api/dossiers/{dossier}"

        def photo_upload(i: int) -> requests.Response:
            files = {"file": ("photo.jpg", photo, "image/jpeg")}
            return s.post(
                f"{api}/sections/basic_info/attachments", files=files, data={"doc_type": "photo"}, timeout=120
            )

        def bomb_upload(i: int) -> requests.Response:
            files = {"file": ("b.jpg", header_bomb(), "image/jpeg")}
            return s.post(
                f"{api}/sections/education/attachments", files=files, data={"doc_type": "diploma"}, timeout=120
            )

        def section_save(i: int) -> requests.Response:
            body: dict[str, Any] = {"data": {"summary": "并发保存" * 60}, "expected_version": 1}
            return s.put(f"{api}/sections/work_summary", json=body, timeout=120)

        parallel("double-click photo upload", 8, photo_upload)
        parallel("header bombs in parallel", 8, bomb_upload)
        parallel("parallel submits", 6, lambda i: s.post(f"{api}/actions/submit", json={}, timeout=120))
        commitment = f"{self.base}/api/documents/dossiers/{dossier}/commitment"
        parallel("parallel first PDF", 6, lambda i: s.get(commitment, timeout=120))
        parallel("parallel section saves", 6, section_save)

    def report(self) -> int:
        total = sum(self.statuses.values())
        print(f"requests: {total}; by status: {dict(sorted(self.statuses.items()))}")
        fives = sum(n for code, n in self.statuses.items() if code >= 500)
        print(f"5xx: {fives}")
        for line in self.failures:
            print("  FAIL", line)
        return 1 if self.failures else 0


# ---- an own server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def own_server() -> Iterator[str]:
    """Temp SQLite + media, migrated and seeded with the demo set-up, served by gunicorn on 127.0.0.1."""
    with tempfile.TemporaryDirectory(prefix="probe-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            "MEDIA_ROOT": f"{tmp}/media",
            "HUEY_IMMEDIATE": "1",
        }
        py = sys.executable
        for args in (["migrate", "-v0"], ["load_rounds"], ["seed_demo"]):
            subprocess.run([py, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = free_port()
        log_path = Path(tmp) / "server.log"
        log_file = log_path.open("w")
        server = subprocess.Popen(
            [py, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--threads", "4", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            # A loaded box may accept the connection long before the first answer (workers still importing).
            for _ in range(120):
                try:
                    requests.get(f"{base}/accounts/login/", timeout=10)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    time.sleep(0.5)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)
            log_file.close()
            log = log_path.read_text(errors="replace")
            if "Traceback" in log:
                print("server log has tracebacks:\n" + log[-3000:])


def run(base: str, username: str) -> int:
    probe = Probe(base)
    s = probe.session(username)
    dossier = probe.own_dossier(s)
    attachment = probe.uploads(s, dossier)
    probe.bad_inputs(s, dossier, attachment)
    probe.races(s, dossier)
    return probe.report()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running server on 127.0.0.1 with the demo set-up")
    parser.add_argument("--serve", action="store_true", help="start an own server (temp SQLite, gunicorn)")
    parser.add_argument("--username", default="demo_applicant")
    opts = parser.parse_args()
    if opts.serve:
        with own_server() as base:
            return run(base, opts.username)
    if not opts.base_url:
        parser.error("give --base-url or --serve")
    return run(opts.base_url, opts.username)


if __name__ == "__main__":
    sys.exit(main())
