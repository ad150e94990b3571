"""Backup and restore: the database and the stored files in one archive, taken from one snapshot.

An archive (`.tar.gz`) holds `manifest.json` (format, time, database vendor, rows per model, every file
with its SHA-256), `data.backupjson` (Django's portable dump with microseconds: primary keys kept, content
types by natural key, so it loads into SQLite or PostgreSQL alike) and `files/<storage name>` for every
file a row points to. The rows are read inside one transaction (REPEATABLE READ on PostgreSQL, a WAL read
snapshot on SQLite), and the list of files is read in the same transaction, so the archive never names a
file the rows do not, nor misses one they do. Stored files are written once under a fresh name and never
changed in place, so copying them after the snapshot is consistent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction

from committee.board import board_receivers_paused, rebuild_board_cells, rebuild_committee_board
from core.cache import forget_row_copies
from core.errors import ValidationFailed
from ops.recovery import referenced_files
from workflow.tallies import recount_tallies

# The dossier counts (workflow.DossierTally) are written by Dossier.save, which loaddata bypasses: an archive
# made before they existed holds none, and they are rebuilt from the restored dossiers.
TALLY_MODEL = "workflow.dossiertally"

FORMAT = 1
# Django JSON with microseconds (ops/serializers.py); the extension tells loaddata the format.
DATA_FILE = "data.backupjson"
# Rebuilt by `migrate` in the target database (or, for sessions, worthless after a restore).
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]


@dataclass(frozen=True)
class Manifest:
    created_at: str
    vendor: str
    rows: dict[str, int]
    files: dict[str, str]

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **self.__dict__}


def _sha256(handle: Any) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _snapshot(data_path: Path) -> tuple[list[str], dict[str, int]]:
    """Dump the rows and list the files from one consistent view of the database."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Must be the transaction's first statement: every later read sees the same snapshot.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        files = sorted(referenced_files())
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=EXCLUDED,
            format="backupjson",
            output=str(data_path),
            verbosity=0,
        )
    rows = Counter(item["model"] for item in json.loads(data_path.read_text(encoding="utf-8")))
    return files, dict(sorted(rows.items()))


def backup_create(*, out: Path) -> Manifest:
    """Write an archive of the database and every referenced stored file to `out`."""
    with tempfile.TemporaryDirectory() as staging:
        data_path = Path(staging) / DATA_FILE
        files, rows = _snapshot(data_path)
        hashes: dict[str, str] = {}
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(out, "w:gz") as archive:
            archive.add(data_path, arcname=DATA_FILE)
            for name in files:
                if not default_storage.exists(name):
                    raise ValidationFailed(f"数据库记录的文件“{name}”在存储中不存在，备份中止。请先运行文件清理检查。")
                with default_storage.open(name, "rb") as handle:
                    hashes[name] = _sha256(handle)
                    handle.seek(0)
                    info = tarfile.TarInfo(f"files/{name}")
                    info.size = default_storage.size(name)
                    archive.addfile(info, handle)
            manifest = Manifest(
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                vendor=connection.vendor,
                rows=rows,
                files=hashes,
            )
            payload = json.dumps(manifest.as_json(), ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo("manifest.json")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return manifest


def _database_is_empty() -> bool:
    skipped = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
    return not any(
        model._default_manager.exists() for model in apps.get_models() if model._meta.label_lower not in skipped
    )


def _read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    member = archive.extractfile("manifest.json")
    if member is None:
        raise ValidationFailed("备份文件缺少 manifest.json。")
    manifest = json.loads(member.read().decode("utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValidationFailed(f"不支持的备份格式：{manifest.get('format')}。")
    return manifest


def backup_restore(*, archive_path: Path) -> dict[str, Any]:
    """Load an archive into an empty, migrated database and its storage; every file is checked against the
    manifest's SHA-256 before the rows are committed. Then the shared cache forgets its copies of rows."""
    if not _database_is_empty():
        raise ValidationFailed("目标数据库不是空的：恢复只写入新建并已迁移的空数据库。")
    with tarfile.open(archive_path, "r:gz") as archive, tempfile.TemporaryDirectory() as staging:
        manifest = _read_manifest(archive)
        archive.extract(DATA_FILE, path=staging, filter="data")
        with transaction.atomic():
            with board_receivers_paused():  # the archive holds the board's steps and cells as they were
                call_command("loaddata", str(Path(staging) / DATA_FILE), verbosity=0)
            if TALLY_MODEL not in manifest.get("rows", {}):
                recount_tallies()
            if "committee.boardstep" not in manifest.get("rows", {}):  # an archive from before they were kept
                rebuild_committee_board()
            elif "committee.boardcell" not in manifest.get("rows", {}):  # from before the board's count cells
                rebuild_board_cells()
            for name, expected in manifest["files"].items():
                member = archive.extractfile(f"files/{name}")
                if member is None:
                    raise ValidationFailed(f"备份缺少文件“{name}”。")
                body = member.read()
                if hashlib.sha256(body).hexdigest() != expected:
                    raise ValidationFailed(f"文件“{name}”与备份清单的校验值不符。")
                if default_storage.exists(name):
                    with default_storage.open(name, "rb") as handle:
                        if _sha256(handle) == expected:
                            continue
                    raise ValidationFailed(f"存储中已有同名但内容不同的文件“{name}”。")
                saved = default_storage.save(name, File(io.BytesIO(body), name=name))
                if saved != name:
                    raise ValidationFailed(f"文件“{name}”未能按原名恢复（存储给出“{saved}”）。")
    # loaddata's saves forget the cached copies of the rows it writes, but not of rows the archive lacks (a user
    # made after the backup, another database's ids): forget them all rather than serve them for their
    # remaining seconds.
    forget_row_copies()
    return manifest
