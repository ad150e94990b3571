"""The masking API: list, edit boxes, confirm — the applicant's own attachments only, while editable."""

from __future__ import annotations

import json

from django.test import Client

from accounts.models import User
from masking.models import AttachmentMasking, MaskingStatus
from masking.selectors import unconfirmed_attachments


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_update_confirm(dossier, upload, certificate, demo_users) -> None:
    attachment = upload(dossier, certificate)
    api = _client(dossier.applicant)

    listed = api.get(f"/api/masking/dossiers/{dossier.pk}/attachments").json()
    assert [item["attachment_id"] for item in listed] == [attachment.pk]
    assert listed[0]["status"] == MaskingStatus.PROPOSED and len(listed[0]["proposed_boxes"]) == 2
    assert listed[0]["masked_url"] is None

    # Boxes that leave the detected name and ID number uncovered: refused, the saved state unchanged.
    put = api.put(
        f"/api/masking/attachments/{attachment.pk}/boxes",
        data=json.dumps({"boxes": [[10, 10, 60, 40]], "needs_masking": True}),
        content_type="application/json",
    )
    assert put.status_code == 400 and put.json()["code"] == "masking_uncovered"
    assert sorted(u["kind"] for u in put.json()["details"]["uncovered"]) == ["id_number", "name"]
    assert "未被遮盖" in put.json()["message"]
    assert AttachmentMasking.objects.get(attachment=attachment).edited is False
    waiver = api.post(
        f"/api/masking/attachments/{attachment.pk}/confirm",
        data=json.dumps({"boxes": [], "needs_masking": False}),
        content_type="application/json",
    )
    assert waiver.status_code == 400 and waiver.json()["code"] == "masking_uncovered"

    # Moved and shrunk down to the glyphs, plus a box of the applicant's own: kept.
    findings = listed[0]["findings"]
    cores = [f["core"] for f in findings]
    put = api.put(
        f"/api/masking/attachments/{attachment.pk}/boxes",
        data=json.dumps({"boxes": [*cores, [10, 10, 60, 40]], "needs_masking": True}),
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["boxes"] == [*cores, [10, 10, 60, 40]]

    bad = api.post(
        f"/api/masking/attachments/{attachment.pk}/confirm",
        data=json.dumps({"boxes": [[1, 2, 3]], "needs_masking": True}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"

    done = api.post(
        f"/api/masking/attachments/{attachment.pk}/confirm",
        data=json.dumps({"boxes": [*cores, [10, 10, 60, 40]], "needs_masking": True}),
        content_type="application/json",
    ).json()
    assert done["status"] == MaskingStatus.CONFIRMED and done["masked_url"]
    assert _client(dossier.applicant).get(done["masked_url"]).status_code == 200
    assert unconfirmed_attachments(dossier) == []

    # Someone else: the attachment does not exist for them.
    other = _client(demo_users["demo_applicant2"])
    assert other.get(f"/api/masking/attachments/{attachment.pk}").status_code == 404
    refused = other.post(
        f"/api/masking/attachments/{attachment.pk}/confirm",
        data=json.dumps({"boxes": [], "needs_masking": False}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    assert AttachmentMasking.objects.get(attachment=attachment).confirmed_boxes == [*cores, [10, 10, 60, 40]]

    # Submitted: no more edits.
    dossier.status = "submitted_unit"
    dossier.save(update_fields=["status"])
    frozen = api.post(
        f"/api/masking/attachments/{attachment.pk}/confirm",
        data=json.dumps({"boxes": [], "needs_masking": False}),
        content_type="application/json",
    )
    assert frozen.status_code == 400 and frozen.json()["code"] == "not_editable"


def test_masking_page_and_panel_render_for_the_applicant_only(dossier, upload, certificate, demo_users) -> None:
    attachment = upload(dossier, certificate)
    page = _client(dossier.applicant).get(f"/masking/dossiers/{dossier.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="mask-card-{attachment.pk}"' in html and "是否需要遮盖" in html
    assert "已确认 0 / 1 张" in html
    card = _client(dossier.applicant).get(f"/masking/attachments/{attachment.pk}/card/")
    assert card.status_code == 200 and 'data-status="proposed"' in card.content.decode()
    for name in ("demo_applicant2", "demo_expert", "demo_unit"):
        assert _client(demo_users[name]).get(f"/masking/dossiers/{dossier.pk}/").status_code == 404
        assert _client(demo_users[name]).get(f"/masking/attachments/{attachment.pk}/card/").status_code == 404
    detail = _client(dossier.applicant).get(f"/dossiers/{dossier.pk}/")
    assert detail.status_code == 200
    assert f"/masking/dossiers/{dossier.pk}/" in detail.content.decode()
