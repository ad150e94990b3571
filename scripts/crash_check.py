"""Crash check (issue 11, point 5): kill -9 the web server mid-upload and mid-transition, and the
worker mid-OCR, on a throw-away instance (SQLite, local files, huey on SQLite; 127.0.0.1 only); then
show that nothing is half-written, orphan files are found (and removed) by `manage.py storage_cleanup`,
no notification is lost and the lost OCR job is re-queued by the periodic sweep and finishes.

    .venv/bin/python scripts/crash_check.py [--rounds 8] [--workdir DIR]

Exits 0 when every check holds; prints each check with its figures.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
from live_instance import Instance, Session

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def page_jpeg(seed: int, side: int = 3000) -> bytes:
    img = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(img)
    rnd = random.Random(seed)
    for _ in range(60):
        x, y = rnd.randrange(side - 400), rnd.randrange(side - 60)
        draw.rectangle([x, y, x + rnd.randrange(80, 400), y + 30], fill=(rnd.randrange(120), 0, 0))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=85)
    return out.getvalue()


def kill_during(instance: Instance, request, delay: float) -> object:
    """Start `request` in a thread, kill -9 the web server after `delay` seconds, restart it."""
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(_safe(request)))
    thread.start()
    time.sleep(delay)
    instance.kill9("web")
    thread.join(60)
    instance.start_web()
    return result[0] if result else None


def _safe(request) -> object:
    try:
        return request()
    except Exception as exc:  # the connection dies with the server: expected
        return exc


def cleanup_report(instance: Instance, *extra: str) -> dict:
    return json.loads(instance.manage("storage_cleanup", "--json", "--min-age-minutes", "0", *extra))


def scenario_upload(instance: Instance, rounds: int) -> None:
    print("1. kill -9 the web server mid-upload", flush=True)
    session = Session(instance.url, "demo_applicant")
    dossier_id = session.draft_dossier()
    # Calibrate: kill at a random moment within what one upload takes on this machine, now.
    started = time.time()
    assert session.upload(dossier_id, "work_history", "work_proof", page_jpeg(-1)).status == 201
    took = time.time() - started
    print(f"     one upload takes {took:.2f} s here; kills fall within it", flush=True)
    outcomes = []
    for i in range(rounds):
        content = page_jpeg(i)
        delay = random.Random(i).uniform(0.0, took)
        outcomes.append(
            kill_during(
                instance, lambda c=content, s=session: s.upload(dossier_id, "work_history", "work_proof", c), delay
            )
        )
        session = Session(instance.url, "demo_applicant")
    finished = [o for o in outcomes if not isinstance(o, Exception)]
    print(f"     {rounds} uploads, server killed at random moments: {rounds - len(finished)} cut off", flush=True)
    with instance.db() as db:
        attachments = db.execute(
            "SELECT id, file FROM dossiers_attachment WHERE dossier_id=?", (dossier_id,)
        ).fetchall()
        # The uploads of this dossier (the demo's unit publicity records are the unit's files, never masked).
        no_masking = db.execute(
            "SELECT COUNT(*) FROM dossiers_attachment a LEFT JOIN masking_attachmentmasking m ON m.attachment_id=a.id "
            "WHERE m.id IS NULL AND a.dossier_id=?",
            (dossier_id,),
        ).fetchone()[0]
        audited = {
            json.loads(r[0]).get("attachment")
            for r in db.execute("SELECT extra FROM accounts_auditevent WHERE action='attachment_upload'").fetchall()
        }
    check(no_masking == 0, f"every attachment row has its masking row ({len(attachments)} rows)")
    check(all(a["id"] in audited for a in attachments), "every attachment row has its audit event")
    report = cleanup_report(instance)
    check(not report["missing_files"], "no row points to a missing file")
    orphans = report["orphan_files"]
    print(f"     storage_cleanup finds {len(orphans)} orphan file(s) (written before a commit the kill prevented)")
    report = cleanup_report(instance, "--delete")
    check(report["deleted_files"] == orphans, "storage_cleanup --delete removes exactly those")
    check(not cleanup_report(instance)["orphan_files"], "no orphan file remains")


def scenario_transition(instance: Instance) -> None:
    print("2. kill -9 the web server mid-transition", flush=True)
    for username in ("demo_unit", "demo_unit_qm", "demo_county", "demo_county_qm", "demo_prefecture"):
        session = Session(instance.url, username)
        for row in session.json("GET", "/api/workflow/queue").json()["items"]:
            dossier_id = row["dossier"]["id"]
            actions = session.json("GET", f"/api/dossiers/{dossier_id}/actions").json()
            if "return" not in actions:
                continue
            body = {"reasons": [{"section": "basic_info", "reason": "照片不清晰，请重新上传"}], "note": "crash check"}
            delay = random.uniform(0.0, 0.15)
            kill_during(
                instance,
                lambda s=session, d=dossier_id, b=body: s.json("POST", f"/api/dossiers/{d}/actions/return", b),
                delay,
            )
            session = Session(instance.url, username)
    with instance.db() as db:
        half = db.execute(
            "SELECT COUNT(*) FROM dossiers_dossier d WHERE d.status <> (SELECT t.to_state FROM workflow_transition t "
            "WHERE t.dossier_id=d.id ORDER BY t.id DESC LIMIT 1)"
        ).fetchone()[0]
        without_message = db.execute(
            "SELECT COUNT(*) FROM workflow_transition t LEFT JOIN workflow_outboxmessage o "
            "ON o.topic='transition' AND o.key='transition:' || t.id WHERE o.id IS NULL AND t.note='crash check'"
        ).fetchone()[0]
        returned = db.execute("SELECT COUNT(*) FROM workflow_transition WHERE note='crash check'").fetchone()[0]
    print(f"     {returned} of the returns attempted committed before the kill")
    check(half == 0, "every dossier's state is its last transition's target (nothing half-written)")
    check(without_message == 0, "every committed transition has its outbox message")
    # The worker's minutely flush delivers what the killed server could not.
    deadline = time.time() + 150
    while time.time() < deadline:
        with instance.db() as db:
            pending = db.execute("SELECT COUNT(*) FROM workflow_outboxmessage WHERE delivered_at IS NULL").fetchone()[0]
        if not pending:
            break
        time.sleep(3)
    with instance.db() as db:
        told = db.execute(
            "SELECT COUNT(*) FROM workflow_transition t WHERE t.note='crash check' AND EXISTS (SELECT 1 FROM "
            "workflow_notification n WHERE n.dossier_id=t.dossier_id AND n.kind='returned')"
        ).fetchone()[0]
    check(pending == 0, "every outbox message delivered by the worker (no lost notification)")
    check(told == returned, f"each returned applicant has the return notification ({told}/{returned})")


def scenario_worker(instance: Instance) -> None:
    print("3. kill -9 the worker mid-OCR", flush=True)
    session = Session(instance.url, "demo_applicant")
    dossier_id = session.draft_dossier()
    answer = session.upload(dossier_id, "work_history", "work_proof", page_jpeg(999, 4000))
    assert answer.status == 201, answer.body
    attachment_id = answer.json()["id"]
    deadline = time.time() + 300
    status = ""
    while time.time() < deadline:
        with instance.db() as db:
            row = db.execute(
                "SELECT status FROM masking_attachmentmasking WHERE attachment_id=?", (attachment_id,)
            ).fetchone()
        status = row[0] if row else ""
        if status == "running":
            break
        time.sleep(0.05)
    check(status == "running", "the OCR job was caught running")
    instance.kill9("worker")
    time.sleep(1)
    with instance.db() as db:
        stuck = db.execute(
            "SELECT status FROM masking_attachmentmasking WHERE attachment_id=?", (attachment_id,)
        ).fetchone()[0]
    print(f"     after kill -9 the row says: {stuck}")
    instance.start_worker()
    started = time.time()
    while time.time() - started < 240:
        with instance.db() as db:
            status, error = db.execute(
                "SELECT status, error FROM masking_attachmentmasking WHERE attachment_id=?", (attachment_id,)
            ).fetchone()
        if status not in ("pending", "running"):
            break
        time.sleep(2)
    print(f"     re-queued by the sweep and finished in {time.time() - started:.0f} s: {status} ({error})")
    check(status in ("proposed", "flagged"), "the lost OCR job was re-queued and finished")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="crash-check-"))
    # Short leases and claims, so that the check does not wait minutes for the sweeps to notice the dead.
    instance = Instance(workdir, JOB_LEASE_SECONDS="10", JOB_HEARTBEAT_SECONDS="2", OUTBOX_CLAIM_SECONDS="10")
    print(f"setting up in {workdir} …", flush=True)
    instance.setup()
    try:
        instance.start_web()
        instance.start_worker()
        scenario_upload(instance, args.rounds)
        scenario_transition(instance)
        scenario_worker(instance)
    finally:
        instance.stop()
    print("crash check: " + ("all checks hold" if not failures else f"{len(failures)} FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
