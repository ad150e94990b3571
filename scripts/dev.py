#!/usr/bin/env python3
"""One entry point for a fresh machine with only Python 3.11 and pip.

    python3 scripts/dev.py run    # set up everything, then serve http://127.0.0.1:8000 (SQLite, local files, demo data)
    python3 scripts/dev.py test   # set up everything, then run the whole test suite (extra args go to pytest)

Set-up is idempotent: Debian packages (Chromium for browser tests, a CJK font, poppler-utils) are
installed with apt-get when missing and we are root; the virtual environment .venv is created and
the requirements installed when they changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements" / "dev.txt"
STAMP = VENV / ".requirements.sha256"
# Debian packages and the file each one provides (checked before installing anything).
DEBIAN_PACKAGES = {
    "fonts-wqy-zenhei": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "chromium": "/usr/bin/chromium",
    "poppler-utils": "/usr/bin/pdftoppm",
    "gettext": "/usr/bin/msgfmt",  # compiles the interface's zh_Hans catalogue (locale/)
    "caddy": "/usr/bin/caddy",  # the reverse proxy of the production layout (scripts/layout.py, tests/deploy)
}


def say(msg: str) -> None:
    print(f"[dev] {msg}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    subprocess.run(cmd, check=True, cwd=ROOT, **kwargs)


def ensure_debian_packages(packages: dict[str, str]) -> None:
    missing = [name for name, path in packages.items() if not Path(path).exists()]
    if not missing:
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        say(f"missing system packages {missing}; install them with apt-get (as root) — continuing without them")
        return
    say(f"installing Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env, stdout=subprocess.DEVNULL)


def requirements_digest() -> str:
    h = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.txt")):
        h.update(path.read_bytes())
    return h.hexdigest()


def ensure_venv() -> None:
    if not PY.exists():
        say("creating .venv")
        run([sys.executable, "-m", "venv", str(VENV)])
    digest = requirements_digest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    say("installing Python packages (first run takes a few minutes)")
    run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([str(PY), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)])
    STAMP.write_text(digest)


def manage(*args: str, env: dict[str, str] | None = None) -> None:
    run([str(PY), "manage.py", *args], env=env)


def cmd_setup() -> dict[str, str]:
    ensure_debian_packages(DEBIAN_PACKAGES)
    ensure_venv()
    (ROOT / "var").mkdir(exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    # The interface's strings are English msgids with Chinese translations: compile locale/*.po to .mo.
    manage("compilemessages", "--ignore", ".venv", "--verbosity", "0", env=env)
    return env


def cmd_run() -> int:
    env = cmd_setup()
    manage("migrate", "--noinput", env=env)
    seeded = subprocess.run(
        [str(PY), "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    # The worker (OCR, PDF batches, deadlines, e-mails on the console backend) logs to a file so that the
    # demo accounts stay readable on the terminal.
    worker_log = (ROOT / "var" / "worker.log").open("a")
    worker = subprocess.Popen(
        [str(PY), "manage.py", "run_huey", "--workers", "2", "--worker-type", "process"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=worker_log,
    )
    print(seeded.stdout, flush=True)
    say("background worker (huey) started, log in var/worker.log; e-mails are printed there")
    say("web server on http://127.0.0.1:8000 — log in with a demo account above (Ctrl-C stops both)")
    try:
        server = subprocess.run([str(PY), "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT, env=env)
        return server.returncode
    except KeyboardInterrupt:
        return 0
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def cmd_test(extra: list[str]) -> int:
    env = cmd_setup()
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("DJANGO_DEBUG", None)
    say(f"running the test suite on {'PostgreSQL' if env.get('DATABASE_URL', '').startswith('postgres') else 'SQLite'}")
    result = subprocess.run([str(PY), "-m", "pytest", *extra], cwd=ROOT, env=env)
    return result.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "setup"}:
        print(__doc__)
        return 2
    if argv[0] == "run":
        return cmd_run()
    if argv[0] == "setup":
        cmd_setup()
        return 0
    return cmd_test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
