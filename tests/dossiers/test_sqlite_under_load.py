"""The embedded default (SQLite file, WAL, IMMEDIATE transactions) under parallel uploads while the
worker OCRs: no 5xx, no "database is locked", every OCR job finishes. A real server and a real huey
worker on 127.0.0.1, driven by benchmarks/upload_load.py with smaller images than the benchmark's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_parallel_uploads_and_ocr_on_sqlite_never_lock(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "upload_load.py"),
            "--uploads",
            "6",
            "--side",
            "1600",
            "--workdir",
            str(tmp_path / "instance"),
            "--ocr-timeout",
            "300",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"database_locked": 0' in done.stdout
    assert '"201": 6' in done.stdout  # every accepted upload stored; the bombs and 600 MB bodies refused
