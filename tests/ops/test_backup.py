"""Backup and restore: a round with dossiers, files and history is written out, the database and storage are
emptied, and the restore brings back the same rows and the same bytes."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from accounts.models import User
from committee.board import BOARD_CELL_COUNTS
from committee.models import BoardCell
from core.errors import ValidationFailed
from documents.services import evaluation_form_generate
from dossiers.models import Attachment, Dossier
from ops.backup import DATA_FILE, EXCLUDED, TALLY_MODEL, backup_create, backup_restore
from ops.recovery import referenced_files
from tests.documents.conftest import make_dossier, walk_to
from tests.workflow.test_tallies import counted, tallied


def _dump(tmp_path: Path, name: str) -> dict[tuple[str, str], dict]:
    out = tmp_path / name
    call_command("dumpdata", natural_foreign=True, exclude=EXCLUDED, format="backupjson", output=str(out), verbosity=0)
    return {(row["model"], str(row.get("pk"))): row["fields"] for row in json.loads(out.read_text(encoding="utf-8"))}


def _file_bytes() -> dict[str, bytes]:
    result = {}
    for name in referenced_files():
        with default_storage.open(name, "rb") as handle:
            result[name] = handle.read()
    return result


@pytest.fixture
def populated(transactional_db, open_round, orgs, demo_users):
    applicant = demo_users["demo_applicant"]
    dossier = make_dossier(round_=open_round, applicant=applicant, unit=orgs["U-KRLJT"])
    dossier = walk_to(dossier)
    evaluation_form_generate(dossier=dossier, actor=applicant)  # a second kind of stored file (a PDF)
    return dossier


def test_backup_then_restore_into_an_empty_database_gives_the_same_rows_and_bytes(populated, tmp_path):
    before_rows = _dump(tmp_path, "before.json")
    before_files = _file_bytes()
    assert Attachment.objects.exists() and len(before_files) >= 2  # the photo and the evaluation form

    archive = tmp_path / "backup.tar.gz"
    manifest = backup_create(out=archive)
    assert set(manifest.files) == set(before_files)
    assert manifest.rows["dossiers.dossier"] == Dossier.objects.count()

    call_command("flush", interactive=False, verbosity=0)
    for name in before_files:
        default_storage.delete(name)
    assert not Dossier.objects.exists()

    backup_restore(archive_path=archive)

    after_rows = _dump(tmp_path, "after.json")
    assert set(after_rows) == set(before_rows)
    for key, row in before_rows.items():
        assert after_rows[key] == row, key
    assert _file_bytes() == before_files


def test_restore_refuses_a_database_that_is_not_empty(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    backup_create(out=archive)
    with pytest.raises(ValidationFailed, match="不是空的"):
        backup_restore(archive_path=archive)


def test_restore_refuses_a_file_that_does_not_match_its_checksum(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    manifest = backup_create(out=archive)
    tampered = tmp_path / "tampered.tar.gz"
    victim = f"files/{next(iter(manifest.files))}"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            body = source.extractfile(member)
            if member.name == victim:
                data = b"not the original"
                member.size = len(data)
                target.addfile(member, io.BytesIO(data))
            else:
                target.addfile(member, body)
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(ValidationFailed, match="校验值不符"):
        backup_restore(archive_path=tampered)
    assert not Dossier.objects.exists()  # nothing half-restored


def test_backup_refuses_when_a_row_points_to_a_missing_file(populated, tmp_path):
    default_storage.delete(sorted(referenced_files())[0])
    with pytest.raises(ValidationFailed, match="不存在"):
        backup_create(out=tmp_path / "backup.tar.gz")


def _board_cells() -> list[tuple]:
    return sorted(BoardCell.objects.values_list("round_id", "unit_id", "step", *BOARD_CELL_COUNTS))


# Rows a restore computes again when an archive made before they were kept lacks them: (model, how they read).
DERIVED = {TALLY_MODEL: tallied, "committee.boardcell": _board_cells}


@pytest.mark.parametrize("model", DERIVED)
def test_an_archive_made_before_derived_counts_existed_restores_them(populated, tmp_path, model):
    archive = tmp_path / "backup.tar.gz"
    backup_create(out=archive)
    read = DERIVED[model]
    expected = read()
    assert expected
    if model == TALLY_MODEL:
        assert expected == counted()
    older = tmp_path / "older.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(older, "w:gz") as target:
        for member in source.getmembers():
            body = source.extractfile(member)
            assert body is not None
            data = body.read()
            if member.name == DATA_FILE:
                rows = [row for row in json.loads(data) if row["model"] != model]
                data = json.dumps(rows, ensure_ascii=False).encode("utf-8")
            elif member.name == "manifest.json":
                manifest = json.loads(data)
                del manifest["rows"][model]
                data = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    stored = sorted(referenced_files())
    call_command("flush", interactive=False, verbosity=0)
    for name in stored:
        default_storage.delete(name)

    backup_restore(archive_path=older)

    assert Dossier.objects.exists()
    assert read() == expected


@pytest.mark.parametrize("backend", ["core.cache.RedisCache", "django.core.cache.backends.locmem.LocMemCache"])
def test_a_restore_forgets_the_shared_caches_copies_of_rows(populated, tmp_path, client, settings, backend):
    """A restore into a database that shares the cache: the restored rows' own saves forget their entries, but a
    user who is not in the archive (made after the backup) must not be served from the cache either, for the
    entry's remaining seconds, nor keep their header's figures; other entries stay."""
    import redis
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/15"}}
    settings.SHARED_CACHE = True
    if backend.endswith("RedisCache"):
        redis.Redis.from_url("redis://127.0.0.1:6379/15").flushdb()
    cache.clear()
    archive = tmp_path / "backup.tar.gz"
    backup_create(out=archive)
    newcomer = User.objects.create_user(username="after_backup", password="Demo@2023pass")
    client.force_login(newcomer)
    assert client.get("/review/notifications/").status_code == 200  # keeps the user and the header's figures
    copies = [f"auth-user:{newcomer.pk}", f"page-chrome:user:{newcomer.pk}", "page-chrome:rounds"]
    assert all(cache.get(key) is not None for key in copies)
    cache.set("unrelated", "kept", 300)
    call_command("flush", interactive=False, verbosity=0)
    for name in referenced_files():
        default_storage.delete(name)

    backup_restore(archive_path=archive)

    assert not User.objects.filter(pk=newcomer.pk).exists()
    assert cache.get_many(copies) == {}
    assert cache.get("unrelated") == "kept"
    cache.clear()
