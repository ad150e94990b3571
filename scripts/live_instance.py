"""A throw-away running instance for scripted checks: its own SQLite database, media folder, huey queue
and e-mail folder in a temporary directory; the real web server (runserver) and the real huey worker as
child processes on 127.0.0.1 only. Used by benchmarks/upload_load.py and scripts/crash_check.py.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
if not PY.exists():
    PY = Path(sys.executable)
PASSWORD = "Demo@2023pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process from /proc (VmHWM: its peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


@dataclass
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Instance:
    def __init__(self, workdir: Path, **extra_env: str) -> None:
        self.dir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "HUEY_SQLITE_PATH": str(workdir / "huey.sqlite3"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(workdir / "mail"),
            "MASKING_OCR_THREADS": "1",
            **extra_env,
        }
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    # ---- processes ----------------------------------------------------------------------------

    def manage(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [str(PY), "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def setup(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput")
        self.manage("seed_demo")
        # Start from an empty queue: seeding queues OCR for the demo dossiers' files.
        with sqlite3.connect(self.dir / "huey.sqlite3") as db:
            for table in ("task", "schedule"):
                db.execute(f"DELETE FROM {table}") if _has_table(db, table) else None

    def start_web(self) -> None:
        log = (self.dir / "web.log").open("ab")
        self.web = subprocess.Popen(
            [str(PY), "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2)
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError("web server did not start; see " + str(self.dir / "web.log"))

    def start_worker(self, workers: int = 2) -> None:
        log = (self.dir / "worker.log").open("ab")
        self.worker = subprocess.Popen(
            [str(PY), "manage.py", "run_huey", "--workers", str(workers), "--worker-type", "process"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,  # its own process group: kill -9 takes the worker processes too
        )

    def kill9(self, which: str) -> None:
        proc = getattr(self, which)
        if proc is None:
            return
        if which == "worker":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        setattr(self, which, None)

    def stop(self) -> None:
        for which in ("web", "worker"):
            proc = getattr(self, which)
            if proc is not None and proc.poll() is None:
                self.kill9(which)

    def worker_pids(self) -> list[int]:
        return [self.worker.pid, *children(self.worker.pid)] if self.worker else []

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.dir / "db.sqlite3", timeout=30)
        conn.row_factory = sqlite3.Row
        return conn


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


class Session:
    """A signed-in browser-like client: cookies, CSRF token, JSON and multipart requests."""

    def __init__(self, base_url: str, username: str, password: str = PASSWORD) -> None:
        self.base = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(f"{base_url}/accounts/login/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        body = f"csrfmiddlewaretoken={token.group(1)}&username={username}&password={password}".encode()
        self.request("POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})

    @property
    def csrf(self) -> str:
        return next(str(c.value) for c in self.jar if c.name == "csrftoken")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        req = urllib.request.Request(f"{self.base}{path}", data=body, method=method)
        req.add_header("Referer", f"{self.base}/")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        if method != "GET":
            req.add_header("X-CSRFToken", self.csrf)
        try:
            with self.opener.open(req, timeout=300) as resp:
                return Response(resp.status, resp.read())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read())

    def json(self, method: str, path: str, payload: Any = None) -> Response:
        body = json.dumps(payload).encode() if payload is not None else None
        return self.request(method, path, body, {"Content-Type": "application/json"})

    def upload(self, dossier_id: int, section: str, doc_type: str, content: bytes, name: str = "scan.jpg") -> Response:
        boundary = uuid.uuid4().hex
        out = io.BytesIO()
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="doc_type"\r\n\r\n{doc_type}\r\n'.encode())
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
        )
        out.write(content)
        out.write(f"\r\n--{boundary}--\r\n".encode())
        return self.request(
            "POST",
            f"/api/dossiers/{dossier_id}/sections/{section}/attachments",
            out.getvalue(),
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def draft_dossier(self) -> int:
        """The applicant's editable dossier in the demo round (created if there is none)."""
        for d in self.json("GET", "/api/dossiers/").json():
            if d["editable"] and d["round"].startswith("demo-"):
                return int(d["id"])
        made = self.json("POST", "/api/dossiers/", {"round": "demo-bz-highway", "level": "mid", "kind": "evaluation"})
        assert made.status == 201, made.body
        return int(made.json()["id"])


def raw_post_claiming(base_url: str, path: str, claimed_bytes: int, sent_bytes: int) -> tuple[int | None, float]:
    """POST with a Content-Length far above what is sent, the way an over-size upload starts; returns
    the status the server answered with (None if it only closed the connection) and the seconds taken."""
    host, port = base_url.removeprefix("http://").split(":")
    started = time.time()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {claimed_bytes}\r\n\r\n"
        )
        try:
            sock.sendall(head.encode() + b"\0" * sent_bytes)
            answer = sock.recv(4096).decode("latin-1")
        except OSError:
            return None, time.time() - started
    match = re.match(r"HTTP/1\.[01] (\d{3})", answer)
    return (int(match.group(1)) if match else None), time.time() - started
