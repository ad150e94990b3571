from __future__ import annotations

import pytest

from ops import health


@pytest.mark.django_db
def test_healthz_answers_ok_when_database_cache_and_storage_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_answers_503_and_names_the_broken_part(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["storage"]["ok"] is False and body["checks"]["database"]["ok"] is True


def test_every_check_is_reported_under_its_name():
    assert list(health.CHECKS) == ["database", "cache", "storage"]
