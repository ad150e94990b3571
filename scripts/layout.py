#!/usr/bin/env python3
"""The production layout on one box, from local processes (no Docker): the pieces of deploy/compose.yaml.

    python3 scripts/layout.py [--demo]                     # start; Ctrl-C (or SIGTERM) stops every child
    python3 scripts/layout.py manage createsuperuser       # a manage.py command against the running layout

Starts Caddy (deploy/Caddyfile; Debian's package, installed with apt-get when missing) on
https://127.0.0.1:8443 with a certificate of its own local CA, in front of two gunicorn app servers
(deploy/gunicorn.conf.py, config.settings.production) on 127.0.0.1:8001 and :8002, one huey worker, an S3
store (moto's server mode on 127.0.0.1, reached through Caddy at https://127.0.0.1:8444 as MinIO is in
production; or the store AWS_STORAGE_BUCKET_NAME / AWS_S3_ENDPOINT_URL name), PostgreSQL (its own
database, created if missing) and Redis (its own database number). Runs migrate, load_rounds and
collectstatic once before the app servers start; `--demo` also seeds the demo set-up and prints its accounts.
Logs, the secret key, Caddy's CA and layout.json (addresses and process ids) go to --workdir (var/layout).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dev  # scripts/dev.py: the Debian packages and the virtual environment
from live_instance import free_port  # scripts/live_instance.py

ROOT = dev.ROOT
PY = dev.PY
BIN = dev.VENV / "bin"
# What this layout needs of the Debian packages scripts/dev.py installs (no browser).
PACKAGES = {name: dev.DEBIAN_PACKAGES[name] for name in ("caddy", "fonts-wqy-zenhei", "poppler-utils", "gettext")}
IN_VENV = "TITLES_LAYOUT_IN_VENV"  # set once the script re-ran itself with the virtual environment's python
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def say(msg: str) -> None:
    print(f"[layout] {msg}", flush=True)


def require_free(ports: list[int]) -> None:
    """Refuse at once, naming the port, rather than let Caddy or gunicorn fail to bind after the migrations."""
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                raise SystemExit(f"port {port} is in use (another layout?): choose others, see --help") from None


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/titles_layout"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1:8443", help="the site's HTTPS address (host:port)")
    parser.add_argument("--files-port", type=int, default=8444, help="Caddy's HTTPS face of the S3 store")
    parser.add_argument("--web-ports", default="8001,8002", help="one app server per port")
    parser.add_argument(
        "--database-url",
        help="default: postgres://postgres@127.0.0.1:5432/titles_layout; with `manage`, given: that database "
        "instead of the running layout's (a restore into a new one)",
    )
    parser.add_argument(
        "--redis-url", help="default: redis://127.0.0.1:6379/12; with `manage`, given: instead of the layout's"
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "layout")
    parser.add_argument("--gunicorn-workers", type=int, default=2, help="processes per app server (2 cores here)")
    parser.add_argument("--worker-processes", type=int, default=2, help="huey worker processes")
    parser.add_argument("--demo", action="store_true", help="seed the demo set-up and print its accounts")
    parser.add_argument("command", nargs="?", choices=["start", "manage"], default="start")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="manage.py arguments (with `manage`)")
    args = parser.parse_args(argv)
    # Given or not matters to `manage`: it runs against the running layout's database unless one is named.
    args.named = {"DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url}
    args.database_url = args.database_url or DEFAULT_DATABASE_URL
    args.redis_url = args.redis_url or DEFAULT_REDIS_URL
    return args


# ---- set-up (system python) ------------------------------------------------------------------------------


def setup_and_reexec(argv: list[str]) -> None:
    """Debian packages and the virtual environment as scripts/dev.py makes them, then the rest of this
    script runs in the venv (psycopg, boto3, redis)."""
    dev.ensure_debian_packages(PACKAGES)
    if shutil.which("caddy") is None:
        raise SystemExit(
            "caddy is not installed and could not be installed (needs root and apt-get): apt-get install caddy"
        )
    dev.ensure_venv()
    os.execve(str(PY), [str(PY), __file__, *argv], {**os.environ, IN_VENV: "1"})


# ---- the layout's environment ----------------------------------------------------------------------------


def secret_key(workdir: Path) -> str:
    """The key of this layout, made once and kept (sessions survive a restart)."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        return os.environ["DJANGO_SECRET_KEY"]
    path = workdir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


def app_env(args: argparse.Namespace, s3_port: int | None) -> dict[str, str]:
    """What every app process (web servers, worker, one-off commands) is given: production settings,
    only the site address and the engines' addresses differ from a real install (deploy/env.example)."""
    host = args.address.rsplit(":", 1)[0]
    site = f"https://{args.address}"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secret_key(args.workdir),
        "DJANGO_ALLOWED_HOSTS": f"{host},localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": site,
        # A browser remembers HSTS for a host; a local try-out must not pin 127.0.0.1 to HTTPS for a year.
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "SITE_URL": site,
        "DATABASE_URL": args.database_url,
        "CONN_MAX_AGE": "60",
        "REDIS_URL": args.redis_url,
        "FILE_DELIVERY": "presigned",
        "GUNICORN_WORKERS": str(args.gunicorn_workers),
        "GUNICORN_THREADS": "4",
        "PYTHONUNBUFFERED": "1",
    }
    if s3_port is not None:
        # The app reaches the store where browsers do (through Caddy): presigned URLs are signed for that host,
        # and it trusts Caddy's local CA for it (boto3 reads AWS_CA_BUNDLE).
        env |= {
            "AWS_STORAGE_BUCKET_NAME": "titles",
            "AWS_S3_ENDPOINT_URL": f"https://127.0.0.1:{args.files_port}",
            "AWS_CA_BUNDLE": str(ca_certificate(args.workdir)),
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "layout",
            "AWS_SECRET_ACCESS_KEY": "layout-secret",
            "AWS_QUERYSTRING_EXPIRE": "60",
        }
    return env


def caddy_env(args: argparse.Namespace, web_ports: list[int], s3_port: int | None) -> dict[str, str]:
    # With a store of its own (AWS_*), the files site is not what the app uses; it points at that store anyway.
    external = urlparse(os.environ.get("AWS_S3_ENDPOINT_URL", "https://s3.amazonaws.com")).netloc
    files_upstream = f"127.0.0.1:{s3_port}" if s3_port else external
    return {
        "SITE_DOMAIN": args.address,
        "WEB_UPSTREAMS": " ".join(f"127.0.0.1:{port}" for port in web_ports),
        "FILES_DOMAIN": f"127.0.0.1:{args.files_port}",
        "FILES_UPSTREAM": files_upstream,
        "CADDY_ADMIN": "off",  # no shared admin port: another layout (a test) can run beside this one
        # Only the site's own address listens (127.0.0.1): the demo's passwords are published in the README.
        "CADDY_DEFAULT_BIND": f"default_bind {args.address.rsplit(':', 1)[0]}",
        "CADDY_HTTP_PORT": str(free_port()),  # only the HTTP→HTTPS redirects listen there
        "CADDY_HTTPS_PORT": args.address.rsplit(":", 1)[1],
        # Caddy's local CA and certificates stay in the work directory, not in root's home.
        "XDG_DATA_HOME": str(args.workdir / "caddy" / "data"),
        "XDG_CONFIG_HOME": str(args.workdir / "caddy" / "config"),
    }


def ca_certificate(workdir: Path) -> Path:
    return workdir / "caddy" / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"


# ---- processes -------------------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the layout itself dies (even by SIGKILL), so nothing is orphaned."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Layout:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.logs = args.workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.reported: set[str] = set()

    def spawn(self, name: str, command: list[str], env: dict[str, str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.children[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches only this script, which stops the children in order,
            # and a whole app server (master and workers) is stopped with one killpg.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def stop(self) -> None:
        # Front first: Caddy stops taking requests, then the app servers and the worker finish theirs, then
        # the store. Each step waits for the last one; 40 s in all before what is left is killed.
        deadline = time.monotonic() + 40
        for step in (("caddy",), ("web", "worker"), ("s3",)):
            procs = [p for name, p in self.children.items() if name.rstrip("0123456789") in step]
            for proc in procs:
                _signal_group(proc, signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for proc in self.children.values():  # whatever a child left in its group (a worker process) goes too
            _signal_group(proc, signal.SIGKILL)

    def watch(self) -> str | None:
        """Report children that ended; the name of one whose end must stop the layout (Caddy, the store)."""
        for name, proc in self.children.items():
            if proc.poll() is not None and name not in self.reported:
                self.reported.add(name)
                say(f"{name} (pid {proc.pid}) ended with {proc.returncode}; log: {self.logs / (name + '.log')}")
                if not name.startswith("web"):
                    return name
        webs = [proc for name, proc in self.children.items() if name.startswith("web")]
        if webs and all(proc.poll() is not None for proc in webs):
            return "every app server"
        return None


def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the whole group has already ended
        os.killpg(proc.pid, signum)


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [str(PY), "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=capture, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout or ''}{done.stderr or ''}")
    return done.stdout or ""


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    if not parsed.scheme.startswith("postgres"):
        return
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            say(f"creating PostgreSQL database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_bucket(env: dict[str, str], layout: Layout, seconds: float = 30) -> None:
    import boto3
    import botocore.exceptions

    client = boto3.client(
        "s3",
        endpoint_url=env["AWS_S3_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_S3_REGION_NAME"],
        verify=env["AWS_CA_BUNDLE"],
    )
    deadline = time.monotonic() + seconds
    while not Path(env["AWS_CA_BUNDLE"]).exists():  # Caddy writes its CA's root certificate as it starts
        if (ended := layout.watch()) is not None:
            raise SystemExit(f"{ended} ended during the start")
        if time.monotonic() > deadline:
            raise SystemExit(f"Caddy wrote no CA certificate in {seconds:.0f} s (see its log)")
        time.sleep(0.2)
    while True:
        try:
            names = [b["Name"] for b in client.list_buckets()["Buckets"]]
            if env["AWS_STORAGE_BUCKET_NAME"] not in names:
                client.create_bucket(Bucket=env["AWS_STORAGE_BUCKET_NAME"])
            return
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError):
            if (ended := layout.watch()) is not None:
                raise SystemExit(f"{ended} ended during the start") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def wait_healthy(url: str, cafile: Path, layout: Layout, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        if (ended := layout.watch()) is not None:
            raise SystemExit(f"{ended} ended during the start")
        try:
            context = ssl.create_default_context(cafile=str(cafile))
            with urllib.request.urlopen(f"{url}/healthz", timeout=10, context=context) as response:
                return dict(json.load(response))
        except (OSError, ssl.SSLError, ValueError) as exc:  # not up yet, CA not written yet, 503 while starting
            last = exc
            time.sleep(0.5)
    raise SystemExit(f"{url}/healthz did not answer 200 within {seconds:.0f} s: {last}")


class StopRequested(Exception):
    """Ctrl-C or SIGTERM, at any point of the start or while running."""


def _stop_requested(signum: int, _frame: object) -> None:
    raise StopRequested(signal.Signals(signum).name)


def start(args: argparse.Namespace) -> int:
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop_requested)

    web_ports = [int(port) for port in args.web_ports.split(",")]
    require_free([int(args.address.rsplit(":", 1)[1]), args.files_port, *web_ports])
    external_store = bool(os.environ.get("AWS_STORAGE_BUCKET_NAME") or os.environ.get("AWS_S3_ENDPOINT_URL"))
    s3_port = None if external_store else free_port()
    env = app_env(args, s3_port)
    layout = Layout(args)
    state_file = args.workdir / "layout.json"
    state_file.unlink(missing_ok=True)
    try:
        if s3_port is not None:
            layout.spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)], {})
        caddy = caddy_env(args, web_ports, s3_port)
        layout.spawn("caddy", ["caddy", "run", "--config", "deploy/Caddyfile", "--adapter", "caddyfile"], caddy)
        if s3_port is not None:
            ensure_bucket(env, layout)
        ensure_database(args.database_url)
        # Once per release, as the migrate service of compose.yaml / titles-migrate.service.
        say("migrate, load_rounds, collectstatic")
        manage(env, "compilemessages", "--ignore", ".venv", "--verbosity", "0")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_rounds", capture=True)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        accounts = manage(env, "seed_demo", capture=True) if args.demo else ""
        for index, port in enumerate(web_ports, start=1):
            gunicorn = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"]
            layout.spawn(f"web{index}", gunicorn, env | {"GUNICORN_BIND": f"127.0.0.1:{port}"})
        worker = ["manage.py", "run_huey", "--workers", str(args.worker_processes), "--worker-type", "process"]
        # Below the web servers in CPU priority (Nice=10 in titles-worker@.service): they share this box.
        layout.spawn("worker", ["nice", "-n", "10", str(PY), *worker], env)

        site = f"https://{args.address}"
        health = wait_healthy(site, ca_certificate(args.workdir), layout)
        state = {
            "pid": os.getpid(),
            "site": site,
            "files": env.get("AWS_S3_ENDPOINT_URL", ""),
            "ca_certificate": str(ca_certificate(args.workdir)),
            "children": {name: proc.pid for name, proc in layout.children.items()},
            "web_ports": web_ports,
            "env": env,
        }
        state_file.write_text(json.dumps(state, indent=2))
        state_file.chmod(0o600)  # it holds the secret key, as the env file of a real install does
        if accounts:
            print(accounts, flush=True)
        say(f"healthy: {', '.join(name for name, check in health['checks'].items() if check['ok'])}")
        say(f"site: {site}  (certificate of Caddy's local CA: {ca_certificate(args.workdir)})")
        say(f"  curl --cacert {ca_certificate(args.workdir)} {site}/healthz")
        say(f"app servers on 127.0.0.1:{', :'.join(map(str, web_ports))}; logs in {layout.logs}")
        say("first administrator: python3 scripts/layout.py manage createsuperuser")
        say("Ctrl-C (or kill -TERM " + str(os.getpid()) + ") stops every process of the layout")
        while (ended := layout.watch()) is None:
            time.sleep(0.5)
        say(f"{ended} ended: stopping the layout")
        return 1
    except StopRequested:
        return 0
    finally:
        for signum in STOP_SIGNALS:  # stopping is not interrupted by a second Ctrl-C
            signal.signal(signum, signal.SIG_IGN)
        say("stopping")
        layout.stop()
        state_file.unlink(missing_ok=True)
        say("stopped")


def run_manage(args: argparse.Namespace) -> int:
    """A manage.py command with the running layout's environment (the S3 port is chosen at start), or with the
    database and Redis named on the command line instead (never silently the layout's when another was named)."""
    state_file = args.workdir.resolve() / "layout.json"
    if not state_file.exists():
        raise SystemExit(f"no running layout in {args.workdir} (start it first: python3 scripts/layout.py)")
    env = json.loads(state_file.read_text())["env"]
    named = {name: url for name, url in args.named.items() if url}
    for name, url in named.items():
        say(f"{name}: {url} (not the running layout's {env.get(name)})")
    return subprocess.run([str(PY), "manage.py", *args.args], cwd=ROOT, env={**os.environ, **env, **named}).returncode


def main(argv: list[str]) -> int:
    args = parse(argv)
    if os.environ.get(IN_VENV) != "1":
        setup_and_reexec(argv)
    return run_manage(args) if args.command == "manage" else start(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
