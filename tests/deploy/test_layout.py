"""The production layout started for real (scripts/layout.py): Caddy with TLS in front of two gunicorn app
servers on the production settings, a huey worker, PostgreSQL, Redis and an S3 store (moto's server mode),
each on addresses and databases of this test's own. Everything is reached through Caddy, as a browser does;
one app server is killed and the other takes the requests; stopping the layout leaves no process behind."""

from __future__ import annotations

import http.cookiejar
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import urlparse

import boto3
import psycopg
import pytest
import redis

from tests.deploy.ports import free_port
from tests.dossiers.helpers import jpeg_bytes

ROOT = Path(__file__).resolve().parents[2]
OTHER_DATABASE = "postgres://postgres@127.0.0.1:5432/titles_layout_other"  # only named, never connected to
REDIS_URL = "redis://127.0.0.1:6379/11"  # 15: tests/deploy/test_redis_s3.py, 14: the load benchmark, 12: layout
PASSWORD = "Demo@2023pass"
START_SECONDS = 120
SEED_USERS = (
    "from demo.setup import seed_organizations, seed_rounds, seed_users; "
    "seed_users(seed_organizations()); seed_rounds()"
)


def _dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "scripts" / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def caddy() -> str:
    """Installed as scripts/dev.py installs its Debian packages; the only reason this test may skip."""
    dev = _dev()
    dev.ensure_debian_packages({"caddy": dev.DEBIAN_PACKAGES["caddy"]})
    path = shutil.which("caddy")
    if path is None:
        pytest.skip("caddy is not installed and cannot be installed here (apt-get install caddy needs root)")
    return path


@pytest.fixture
def database_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own (the layout creates it; dropped afterwards)."""
    configured = os.environ.get("DATABASE_URL", "")
    server = configured.rsplit("/", 1)[0] if configured.startswith("postgres") else "postgres://postgres@127.0.0.1:5432"
    url = f"{server}/layout_test_{os.getpid()}"
    _drop_database(url)
    redis.Redis.from_url(REDIS_URL).flushdb()
    yield url
    _drop_database(url)
    redis.Redis.from_url(REDIS_URL).flushdb()


def _drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Browser:
    """Cookies, CSRF token and Referer over HTTPS, trusting the layout's Caddy CA; redirects not followed."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    def __init__(self, site: str, context: ssl.SSLContext) -> None:
        self.site = site
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.jar),
            self._NoRedirect(),
        )

    def request(
        self, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {"Referer": self.site + "/", **(headers or {})}
        req = urllib.request.Request(self.site + path, data=body, headers=headers)
        if body is not None:
            req.add_header("X-CSRFToken", next(str(c.value) for c in self.jar if c.name == "csrftoken"))
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def sign_in(self, username: str) -> None:
        status, _, page = self.request("/accounts/login/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        form = f"csrfmiddlewaretoken={token.group(1).decode()}&username={username}&password={PASSWORD}".encode()
        status, headers, _ = self.request(
            "/accounts/login/", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302 and "/accounts/login/" not in headers["Location"], "sign-in refused"

    def upload(self, dossier_id: int, content: bytes) -> tuple[int, bytes]:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="doc_type"\r\n\r\nid_front\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="id.jpg"\r\n'
                "Content-Type: image/jpeg\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        status, _, answer = self.request(
            f"/api/dossiers/{dossier_id}/sections/basic_info/attachments",
            body,
            {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return status, answer


def _descendants(pid: int) -> set[tuple[int, str]]:
    """Every process below pid, each with its start time (so a reused pid is not taken for a survivor)."""
    found: set[tuple[int, str]] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
            for kid in kids:
                if (started := _start_time(kid)) is not None:
                    found.add((kid, started))
                    pending.append(kid)
    return found


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: str) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z" and _start_time(pid) == started  # a zombie has ended: only its exit status is left


def _listening(port: int) -> set[str]:
    """The local addresses with a listening TCP socket on port (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]) if table == "tcp" else address)
    return found


def _lines(log: Path, needle: str) -> int:
    return sum(needle in line for line in log.read_text(errors="replace").splitlines())


def test_the_layout_serves_through_caddy_survives_a_lost_app_server_and_stops_cleanly(caddy, database_url, tmp_path):
    workdir = tmp_path / "layout"
    site_port, files_port, web1_port, web2_port = (free_port() for _ in range(4))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "TITLES_LAYOUT"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    # The set-up half of the script (apt-get, pip) is scripts/dev.py's; a test never pip-installs into the venv.
    env["TITLES_LAYOUT_IN_VENV"] = "1"
    output = (tmp_path / "layout.out").open("wb")
    command = [
        *(sys.executable, "scripts/layout.py", "--address", f"127.0.0.1:{site_port}"),
        *("--files-port", str(files_port), "--web-ports", f"{web1_port},{web2_port}"),
        *("--database-url", database_url, "--redis-url", REDIS_URL, "--workdir", str(workdir)),
        *("--gunicorn-workers", "1", "--worker-processes", "1"),
    ]
    layout = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    state_file = workdir / "layout.json"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not state_file.exists():
            log = (tmp_path / "layout.out").read_text(errors="replace")
            assert layout.poll() is None, f"the layout ended during its start:\n{log}"
            assert time.monotonic() < deadline, f"the layout was not up in {START_SECONDS} s:\n{log}"
            time.sleep(0.5)
        state = json.loads(state_file.read_text())
        site = state["site"]
        assert site == f"https://127.0.0.1:{site_port}"
        context = ssl.create_default_context(cafile=state["ca_certificate"])  # Caddy's own CA, nothing else
        browser = Browser(site, context)

        # Health through Caddy: database, Redis cache, S3 storage (a file written, read and deleted), huey queue.
        status, headers, body = browser.request("/healthz")
        health = json.loads(body)
        assert status == 200, health
        assert {name for name, check in health["checks"].items() if check["ok"]} == {
            "database",
            "cache",
            "storage",
            "queue",
        }
        assert headers.get("Strict-Transport-Security") is None  # HSTS off for the local address only
        # Reachable from this machine only: Caddy, the app servers, the store listen on 127.0.0.1.
        for port in (site_port, files_port, web1_port, web2_port):
            assert _listening(port) == {"127.0.0.1"}, port

        # A page and its stylesheet (collectstatic's hashed name, served by whitenoise).
        status, _, page = browser.request("/accounts/login/")
        assert status == 200
        stylesheet = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "no hashed stylesheet on the login page"
        status, headers, css = browser.request(stylesheet.group(1).decode())
        assert status == 200 and headers["Content-Type"].startswith("text/css") and b"{" in css

        # Users made by a manage.py command against the running layout (the demo's organisations, accounts
        # and open round only: the whole `--demo` takes a minute). The applicant signs in and uploads a scan;
        # it lands in S3 and comes back as a presigned URL of the store's public address (Caddy again),
        # only through the permission-checked view.
        def layout_manage(*args: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "scripts/layout.py", "--workdir", str(workdir), *args]
            return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

        made_users = layout_manage("manage", "shell", "-c", SEED_USERS)
        assert made_users.returncode == 0, made_users.stdout + made_users.stderr
        # A database named on the command line is the one `manage` uses (a restore into a new one), never
        # silently the running layout's.
        print_name = "from django.db import connection; print('NAME=' + connection.settings_dict['NAME'])"
        named = layout_manage("--database-url", OTHER_DATABASE, "manage", "shell", "-c", print_name)
        assert named.returncode == 0, named.stdout + named.stderr
        assert "NAME=titles_layout_other" in named.stdout and "not the running layout's" in named.stdout
        browser.sign_in("demo_applicant")
        status, _, page = browser.request("/dossiers/")
        assert status == 200 and "我的申报".encode() in page
        made = browser.request(
            "/api/dossiers/",
            json.dumps({"round": "demo-bz-highway", "level": "mid", "kind": "evaluation"}).encode(),
            {"Content-Type": "application/json"},
        )
        assert made[0] == 201, made[2]
        status, answer = browser.upload(json.loads(made[2])["id"], jpeg_bytes(text="layout"))
        assert status == 201, answer
        attachment = json.loads(answer)
        status, headers, _ = browser.request(f"/dossiers/attachments/{attachment['id']}/file.jpg")
        assert status == 302 and headers["Location"].startswith(state["files"] + "/titles/attachments/")
        with urllib.request.urlopen(headers["Location"], timeout=30, context=context) as served:
            assert served.headers["Content-Type"] == "image/jpeg"
            delivered = served.read()
        store = boto3.client(
            "s3",
            endpoint_url=state["files"],
            aws_access_key_id="layout",
            aws_secret_access_key="layout-secret",
            region_name="us-east-1",
            verify=state["ca_certificate"],
        )
        key = urlparse(headers["Location"]).path.removeprefix("/titles/")
        assert store.get_object(Bucket="titles", Key=key)["Body"].read() == delivered
        assert delivered[:3] == b"\xff\xd8\xff" and len(delivered) == attachment["size_bytes"]

        # One app server dies (master and workers at once); Caddy sends every request to the other one.
        web1, web2 = state["children"]["web1"], state["children"]["web2"]
        web2_log = workdir / "logs" / "web2.log"
        served_by_web2 = _lines(web2_log, "GET /accounts/login/")
        os.killpg(web1, signal.SIGKILL)
        time.sleep(0.5)
        assert all(not _alive(pid, started) for pid, started in _descendants(layout.pid) if pid == web1)
        for _ in range(10):
            assert browser.request("/accounts/login/")[0] == 200
        assert browser.request("/dossiers/")[0] == 200  # still signed in: the session is not the dead server's
        time.sleep(1)  # gunicorn writes its access log line after the answer
        assert _lines(web2_log, "GET /accounts/login/") >= served_by_web2 + 10
        assert _start_time(web2) is not None

        # Stopped by SIGTERM (what Ctrl-C does too): every process it started ends.
        started = _descendants(layout.pid)
        assert len(started) >= 5  # s3, caddy, web2 (+ its worker), worker (+ its process)
        layout.send_signal(signal.SIGTERM)
        assert layout.wait(timeout=60) == 0
        left = [pid for pid, since in started if _alive(pid, since)]
        assert not left, f"left running: {left}"
        assert not state_file.exists()
    finally:
        if layout.poll() is None:
            layout.send_signal(signal.SIGTERM)
            try:
                layout.wait(timeout=60)
            except subprocess.TimeoutExpired:
                layout.kill()
                layout.wait()
        output.close()
        print((tmp_path / "layout.out").read_text(errors="replace")[-3000:])
