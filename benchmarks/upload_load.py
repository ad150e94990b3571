"""Web and worker memory under parallel worst-case uploads (issue 11, point 3), on the embedded default
(SQLite, local files, huey on SQLite), against a real server on 127.0.0.1 only.

    .venv/bin/python benchmarks/upload_load.py [--uploads 16] [--workdir DIR]

Sends at once, from --uploads threads: the heaviest JPEG the policy accepts (8000×8000 px in well under
5 MB: decoded at 1/2 and stored at 4000×4000 = 16 MP), a progressive JPEG claiming 6320×6320 (refused
from its header), and bodies claiming 600 MB (refused from their Content-Length before being read).
Then waits for the worker to OCR every stored image. Prints the peak RSS of the web process and of each
worker process (VmHWM), the answers by status, and whether any 5xx or "database is locked" occurred.
Exits non-zero on a 5xx, a lock error or an OCR job left unfinished.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from live_instance import Instance, Session, raw_post_claiming, rss_mb


def heavy_jpeg(index: int, side: int) -> bytes:
    img = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(img)
    for y in range(200, side, 900):
        draw.rectangle([300, y, side - 300, y + 40], fill=0)
    draw.text((400, 400), f"page {index}", fill=0)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=60)
    return out.getvalue()


def progressive_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("L", (6320, 6320), 255).save(out, format="JPEG", quality=1, progressive=True)
    return out.getvalue()


def run_parallel(jobs: list, timeout: float = 900) -> list:
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def go(i: int) -> None:
        barrier.wait()
        try:
            results[i] = jobs[i]()
        except Exception as exc:  # reported, counted as a failure below
            results[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results


def wait_for_ocr(instance: Instance, timeout: float) -> dict[str, int]:
    deadline = time.time() + timeout
    while True:
        with instance.db() as db:
            rows = db.execute("SELECT status, COUNT(*) FROM masking_attachmentmasking GROUP BY status").fetchall()
        counts = {r[0]: r[1] for r in rows}
        if (not counts.get("pending") and not counts.get("running")) or time.time() > deadline:
            return counts
        time.sleep(2)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=16)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--ocr-timeout", type=float, default=1200)
    parser.add_argument("--side", type=int, default=8000, help="side of the accepted JPEG (px)")
    parser.add_argument(
        "--sqlite-transaction-mode", default="", help="e.g. DEFERRED, to compare with the settings' IMMEDIATE"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="upload-load-"))
    extra = {}
    if args.sqlite_transaction_mode:
        extra["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}?transaction_mode={args.sqlite_transaction_mode}"
    instance = Instance(workdir, **extra)
    print(f"setting up in {workdir} …", flush=True)
    instance.setup()
    try:
        instance.start_web()
        instance.start_worker()
        session = Session(instance.url, "demo_applicant")
        dossier_id = session.draft_dossier()
        time.sleep(3)
        assert instance.web is not None
        web_before = rss_mb(instance.web.pid)
        heavy = [heavy_jpeg(i, args.side) for i in range(args.uploads)]
        bomb = progressive_bomb()
        print(
            f"heavy JPEG {args.side}×{args.side}: {len(heavy[0]) / 1024:.0f} KB; progressive bomb: {len(bomb)} bytes",
            flush=True,
        )

        def accepted(i: int):
            return lambda: session.upload(dossier_id, "work_history", "work_proof", heavy[i]).status

        def refused_bomb():
            return session.upload(dossier_id, "work_history", "work_proof", bomb).status

        def refused_body():
            return raw_post_claiming(
                instance.url, f"/api/dossiers/{dossier_id}/sections/work_history/attachments", 600 << 20, 1 << 20
            )[0]

        started = time.time()
        jobs = [accepted(i) for i in range(args.uploads)] + [refused_bomb] * args.uploads + [refused_body] * 4
        results = run_parallel(jobs)
        upload_seconds = time.time() - started
        web_peak = rss_mb(instance.web.pid, "VmHWM")
        statuses = Counter(str(r) for r in results)
        ocr = wait_for_ocr(instance, args.ocr_timeout)
        worker_peaks = {pid: rss_mb(pid, "VmHWM") for pid in instance.worker_pids()}
        logs = (workdir / "web.log").read_text(errors="replace") + (workdir / "worker.log").read_text(errors="replace")
        locked = logs.count("database is locked")
        summary = {
            "date": time.strftime("%Y-%m-%d"),
            "uploads": args.uploads,
            "side_px": args.side,
            "answers": dict(statuses),
            "upload_wall_s": round(upload_seconds, 1),
            "web_rss_before_mb": round(web_before),
            "web_peak_mb": round(web_peak),
            "worker_peaks_mb": {str(k): round(v) for k, v in worker_peaks.items()},
            "ocr_statuses": ocr,
            "database_locked": locked,
        }
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        five_xx = sum(n for s, n in statuses.items() if s.startswith("5") or (not s[:1].isdigit() and s != "None"))
        unfinished = ocr.get("pending", 0) + ocr.get("running", 0)
        return 1 if five_xx or locked or unfinished else 0
    finally:
        instance.stop()


if __name__ == "__main__":
    sys.exit(main())
