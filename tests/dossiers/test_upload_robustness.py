"""Uploads that must not cost the server: over-size bodies refused at the door, per-section and
per-dossier caps from the policy, no orphan file when an upload is refused, a double-click answered."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from core.errors import DomainError
from dossiers.models import Attachment
from tests.dossiers.conftest import upload
from tests.dossiers.helpers import jpeg_bytes

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {p.relative_to(root).as_posix() for p in root.rglob("*.jpg")} if root.exists() else set()


def api_url(dossier, key: str = "current_title") -> str:
    return f"/api/dossiers/{dossier.pk}/sections/{key}/attachments"


# ---- the door ---------------------------------------------------------------------------------------


def test_api_refuses_a_body_claiming_600_mb_before_reading_it(client, applicant, dossier):
    client.force_login(applicant)
    response = client.post(
        api_url(dossier),
        {"doc_type": "title_certificate", "file": SimpleUploadedFile("a.jpg", jpeg_bytes())},
        CONTENT_LENGTH=str(600 * 1024 * 1024),  # the test payload is small: reading it would fail
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "request_too_large"
    assert "过大" in body["message"]
    assert not Attachment.objects.exists()


def test_page_upload_over_the_limit_gets_a_chinese_message(client, applicant, dossier, settings):
    settings.UPLOAD_REQUEST_MAX_BYTES = 200_000
    client.force_login(applicant)
    big = jpeg_bytes(2400, 1800, color="gray")
    noise = bytes(range(256)) * 1200  # a COM-free tail: the body, not the image, is what is too large
    response = client.post(
        f"/dossiers/{dossier.pk}/sections/current_title/attachments/",
        {"doc_type": "title_certificate", "file": SimpleUploadedFile("a.jpg", big + noise)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    assert not Attachment.objects.exists() and not stored_files()


def test_a_json_body_above_the_form_limit_is_refused(client, applicant, dossier):
    client.force_login(applicant)
    response = client.put(
        f"/api/dossiers/{dossier.pk}/sections/basic_info",
        data=b"{" + b" " * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


# ---- caps from the policy ---------------------------------------------------------------------------


def _set_limits(round_, **limits: int) -> None:
    round_.policy_data["attachments"].update(limits)
    round_.save(update_fields=["policy_data"])
    round_.refresh_from_db()


def test_section_cap_refuses_clearly_and_leaves_no_file(dossier, applicant):
    _set_limits(dossier.round, max_per_section=2)
    for i in range(2):
        upload(dossier, applicant, "work_history", "work_proof", jpeg_bytes(text=f"proof {i}"))
    before = stored_files()
    with pytest.raises(DomainError) as exc:
        upload(dossier, applicant, "work_history", "work_proof", jpeg_bytes(text="one too many"))
    assert exc.value.details["reason"] == "section_full"
    assert "本栏附件已达上限（2 个）" in exc.value.message
    assert stored_files() == before  # the refused file was written first, then removed
    assert Attachment.objects.filter(dossier=dossier).count() == 2


def test_dossier_cap_counts_every_section(dossier, applicant):
    _set_limits(dossier.round, max_per_section=2, max_per_dossier=2)
    upload(dossier, applicant, "work_history", "work_proof", jpeg_bytes(text="a"))
    upload(dossier, applicant, "current_title", "title_certificate", jpeg_bytes(text="b"))
    with pytest.raises(DomainError) as exc:
        upload(dossier, applicant, "awards", "award_certificate", jpeg_bytes(text="c"))
    assert exc.value.details["reason"] == "dossier_full"
    # Replacing a single-file slot is not a new file: allowed at the cap.
    upload(dossier, applicant, "current_title", "title_certificate", jpeg_bytes(text="b2"))
    assert Attachment.objects.filter(dossier=dossier).count() == 2


def test_policy_with_section_cap_above_dossier_cap_is_refused():
    import copy

    import yaml

    from rounds.policy import PolicyError, validate_policy

    data = yaml.safe_load((Path(settings.POLICY_DIR) / "bz-2023-highway.yaml").read_text())
    bad = copy.deepcopy(data)
    bad["attachments"]["max_per_section"] = bad["attachments"]["max_per_dossier"] + 1
    with pytest.raises(PolicyError) as exc:
        validate_policy(bad)
    assert "attachments.max_per_section" in str(exc.value.message) or exc.value.field_path == (
        "attachments.max_per_section"
    )
    missing = copy.deepcopy(data)
    del missing["attachments"]["max_per_dossier"]
    with pytest.raises(PolicyError):
        validate_policy(missing)


# ---- a double-click ---------------------------------------------------------------------------------


def test_same_file_twice_into_a_single_slot_keeps_the_first(dossier, applicant):
    """The SQLite-safe variant of the race: the second request arrives after the first committed."""
    content = jpeg_bytes(text="certificate")
    first = upload(dossier, applicant, "current_title", "title_certificate", content)
    with pytest.raises(DomainError) as exc:
        upload(dossier, applicant, "current_title", "title_certificate", content)
    assert exc.value.code == "concurrent_update"
    assert exc.value.details["reason"] == "duplicate_upload"
    assert "重复点击" in exc.value.message
    assert list(Attachment.objects.filter(dossier=dossier)) == [first]
    assert stored_files() == {first.file.name}


def test_double_click_on_the_page_answers_in_chinese(client, applicant, dossier):
    client.force_login(applicant)
    url = f"/dossiers/{dossier.pk}/sections/current_title/attachments/"
    content = jpeg_bytes(text="certificate")
    for _ in range(2):
        response = client.post(
            url,
            {"doc_type": "title_certificate", "file": SimpleUploadedFile("a.jpg", content)},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
    assert "重复点击" in response.content.decode()
    assert Attachment.objects.filter(dossier=dossier).count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_uploads_into_one_slot_one_wins_no_orphan(dossier, applicant):
    """Real threads, each with its own connection, released together (PostgreSQL row locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (set DATABASE_URL=postgres://…)")
    content = jpeg_bytes(text="certificate")
    barrier = threading.Barrier(6)
    results: list[object] = [None] * 6

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = upload(dossier, applicant, "current_title", "title_certificate", content)
        except Exception as exc:  # collected and asserted on below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [r for r in results if isinstance(r, Attachment)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(e, DomainError) and e.details["reason"] == "duplicate_upload" for e in losers), losers
    rows = list(Attachment.objects.filter(dossier=dossier))
    assert rows == winners
    assert stored_files() == {rows[0].file.name}
