"""Backup and restore: a round with dossiers, files and history is written out, the database and storage are
emptied, and the restore brings back the same rows and the same bytes."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

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


@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_committee_boards_stored_steps_and_cells(open_round, orgs, demo_users, today, tmp_path):
    """Dossiers drawn into a review group: loaddata links a group's dossiers after saving it (an m2m signal
    that carries no `raw`), which once recomputed their steps from half-loaded records — the board then showed
    dossiers at the vote as unpaid. The board's steps, its count cells and the fee cells come back as they were."""
    from committee.board import rebuild_committee_board
    from committee.defence import defence_outcomes_settle
    from committee.draws import committee_draw, group_draw
    from committee.fees import fee_for, fee_payment_record
    from committee.models import BoardCell, BoardStep, FeeFigures
    from committee.paper import paper_receipt_record
    from tests.committee.stage import make_expert, open_committee_windows, received_dossier

    stage_round = open_committee_windows(open_round)
    office = demo_users["demo_prefecture"]
    for _ in range(9):
        make_expert(orgs["BZ"])
    grouped = [received_dossier(stage_round, orgs["U-KRLJT"], level="junior") for _ in range(2)]
    waiting = received_dossier(stage_round, orgs["U-KRLJT"], level="junior")  # stays unpaid
    for dossier in grouped:
        fee_payment_record(actor=office, fee=fee_for(dossier), paid_on=today, method="cash")
        paper_receipt_record(actor=office, dossier=dossier, received_on=today)
    defence_outcomes_settle(actor=office, round_=stage_round)
    committee_draw(actor=office, round_=stage_round, size=9, seed="m")
    group_draw(actor=office, round_=stage_round, name="评议组1", dossiers=grouped, size=3, seed="g")

    def board() -> list[list[dict]]:
        models: tuple[Any, ...] = (BoardStep, BoardCell, FeeFigures)
        return [list(model.objects.order_by("pk").values()) for model in models]

    before = board()
    assert {row["dossier_id"]: row["step"] for row in before[0]} == {
        grouped[0].pk: "vote",
        grouped[1].pk: "vote",
        waiting.pk: "unpaid",
    }
    archive = tmp_path / "backup.tar.gz"
    backup_create(out=archive)
    call_command("flush", interactive=False, verbosity=0)
    for name in referenced_files():
        default_storage.delete(name)

    backup_restore(archive_path=archive)

    assert board() == before

    def counted(board: list[list[dict]]) -> list[list[dict]]:
        """Without ids, in an order of their own (a rebuild makes rows in its query's order), and without the
        count cells whose counts all went back to zero (kept by the writes, not made by a rebuild)."""
        steps, *cells = [[{k: v for k, v in row.items() if k != "id"} for row in rows] for rows in board]
        kept = [steps] + [
            [row for row in rows if any(v for k, v in row.items() if type(v) is int and not k.endswith("_id"))]
            for rows in cells
        ]
        return [sorted(rows, key=lambda row: sorted(row.items())) for rows in kept]

    rebuild_committee_board()  # what was kept is what the records give
    assert counted(board()) == counted(before)
