"""Issue 11.1: masking cannot be waived where a name was found; the masked copy is rechecked once; the
prefecture office sees every decision and may overrule it before experts are assigned."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import AuditEvent, User
from committee.services import expert_assign
from core.errors import DomainError, ErrorCode
from dossiers.models import Attachment, Dossier
from masking import services
from masking.detection import Identifiers, detect, load_image
from masking.models import AttachmentMasking, MaskingStatus, RecheckStatus
from masking.selectors import FileVariant, attachment_file_for, masked_attachments
from tests.masking.conftest import APPLICANT_ID, APPLICANT_NAME, APPLICANT_PHONE

pytestmark = pytest.mark.django_db

IDENTIFIERS = Identifiers.build(names=[APPLICANT_NAME], id_number=APPLICANT_ID, phone=APPLICANT_PHONE)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _at_prefecture(dossier: Dossier) -> None:
    # The chain's own transitions are tested in workflow; here the dossier just has to be with the office.
    Dossier.objects.filter(pk=dossier.pk).update(status="prefecture_review", submission_count=1)
    dossier.refresh_from_db()


def _masked_text_found(masking: AttachmentMasking) -> bool:
    with masking.masked_file.open("rb") as handle:
        image = load_image(io.BytesIO(handle.read()))
    return bool(detect(image, IDENTIFIERS, orient=False).matches)


def test_waiver_and_uncovering_are_refused_unless_marked_not_mine(
    dossier: Dossier,
    upload: Callable[..., Attachment],
    certificate: Image.Image,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    attachment = upload(dossier, certificate)
    masking = AttachmentMasking.objects.get(attachment=attachment)
    kinds = {f["id"]: f["kind"] for f in masking.findings}
    assert sorted(kinds.values()) == ["id_number", "name"]
    name_id = next(i for i, k in kinds.items() if k == "name")
    id_core = next(f["core"] for f in masking.findings if f["kind"] == "id_number")
    applicant = dossier.applicant

    for boxes, needs in (([], False), ([id_core], True), ([[0, 0, 5, 5]], True)):
        with pytest.raises(DomainError) as refused:
            services.masking_confirm(actor=applicant, attachment_id=attachment.pk, boxes=boxes, needs_masking=needs)
        assert refused.value.code == ErrorCode.MASKING_UNCOVERED
    masking.refresh_from_db()
    assert masking.status == MaskingStatus.PROPOSED and not masking.masked_file  # nothing written

    with pytest.raises(DomainError) as no_reason:
        services.masking_confirm(
            actor=applicant, attachment_id=attachment.pk, boxes=[id_core], needs_masking=True, not_mine={name_id: " "}
        )
    assert no_reason.value.code == ErrorCode.INVALID_INPUT

    # The name marked "not mine" (with a reason), the ID number covered: accepted, copy made and rechecked.
    with django_capture_on_commit_callbacks(execute=True):
        services.masking_confirm(
            actor=applicant,
            attachment_id=attachment.pk,
            boxes=[id_core],
            needs_masking=True,
            not_mine={name_id: "这是同名的另一位同事"},
        )
    masking.refresh_from_db()
    assert masking.status == MaskingStatus.CONFIRMED and masking.not_mine == {name_id: "这是同名的另一位同事"}
    # The marked name is left visible on purpose: the office judges the mark, the recheck does not count it.
    assert masking.recheck == RecheckStatus.CLEAN and masking.copy_version == 1
    event = AuditEvent.objects.filter(action="masking_confirm").latest("created_at")
    assert event.extra["not_mine"] == {name_id: "这是同名的另一位同事"}


def test_a_waiver_made_before_detection_is_caught_by_the_recheck_and_the_office_recovers_it(
    dossier: Dossier,
    certificate: Image.Image,
    demo_users: dict[str, User],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    from dossiers.services import attachment_upload
    from tests.masking.conftest import jpeg_bytes

    # Uploaded and waived at once, before the OCR job ran: no findings yet, so the waiver is accepted …
    attachment = attachment_upload(
        dossier_id=dossier.pk,
        actor=dossier.applicant,
        section="current_title",
        doc_type="title_certificate",
        upload=io.BytesIO(jpeg_bytes(certificate)),
        original_name="cert.jpg",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.masking_confirm(actor=dossier.applicant, attachment_id=attachment.pk, boxes=[], needs_masking=False)
    masking = AttachmentMasking.objects.get(attachment=attachment)
    # … but the detector on the masked copy still reads the name and ID number: never served to an expert.
    assert masking.recheck == RecheckStatus.LEAK and masking.leak_kinds == ["id_number", "name"]
    _at_prefecture(dossier)
    office, expert = demo_users["demo_prefecture"], demo_users["demo_expert"]

    page = _client(office).get(f"/masking/office/dossiers/{dossier.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "遮盖后仍可识别出本人信息" in html and "不提供给评审专家" in html
    api = _client(office).get(f"/api/masking/office/dossiers/{dossier.pk}/decisions").json()
    assert api["attachments"][0]["recheck"] == "leak" and api["attachments"][0]["needs_office"] is True
    for outsider in ("demo_county", "demo_unit", "demo_expert", "demo_applicant2"):
        assert _client(demo_users[outsider]).get(f"/masking/office/dossiers/{dossier.pk}/").status_code == 404

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(office).post(
            f"/api/masking/office/attachments/{attachment.pk}/recover",
            data=json.dumps({"reason": "复查发现姓名与身份证号未遮盖"}),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    masking.refresh_from_db()
    assert masking.recheck == RecheckStatus.CLEAN and masking.needs_masking is True
    assert masking.overrulings[0]["by"] == office.pk and masking.overrulings[0]["leaks"] == 2
    assert not _masked_text_found(masking)

    expert_assign(actor=office, dossier=dossier, expert=expert)
    assert attachment_file_for(expert, attachment, FileVariant.MASKED).file.name == masking.masked_file.name
    assert masked_attachments(dossier) == [attachment]
    # Experts assigned: the office can no longer change what they were shown.
    with pytest.raises(DomainError) as locked:
        services.masking_office_recover(actor=office, attachment_id=attachment.pk, finding_ids=None, reason="再改")
    assert locked.value.code == ErrorCode.NOT_EDITABLE


def test_office_sees_the_marks_and_reasons_and_recovers_a_marked_name(
    dossier: Dossier,
    upload: Callable[..., Attachment],
    certificate: Image.Image,
    demo_users: dict[str, User],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    attachment = upload(dossier, certificate)
    masking = AttachmentMasking.objects.get(attachment=attachment)
    name = next(f for f in masking.findings if f["kind"] == "name")
    others = [f["box"] for f in masking.findings if f["kind"] != "name"]
    with django_capture_on_commit_callbacks(execute=True):
        services.masking_confirm(
            actor=dossier.applicant,
            attachment_id=attachment.pk,
            boxes=others,
            needs_masking=True,
            not_mine={name["id"]: "证书上是我父亲的名字"},
        )
    _at_prefecture(dossier)
    office, expert = demo_users["demo_prefecture"], demo_users["demo_expert"]
    html = _client(office).get(f"/masking/office/dossiers/{dossier.pk}/").content.decode()
    assert "证书上是我父亲的名字" in html and "申报人标记为非本人信息" in html and "已遮盖" in html
    detail = _client(office).get(reverse("workflow:detail", args=[dossier.pk])).content.decode()
    assert f"/masking/office/dossiers/{dossier.pk}/" in detail

    # The page's form: the office covers the marked name again; a fresh copy is made and rechecked.
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(office).post(
            f"/masking/office/attachments/{attachment.pk}/recover/",
            {"finding": [name["id"]], "reason": "与申报人同名，应遮盖"},
        )
    assert response.status_code == 302
    masking.refresh_from_db()
    assert masking.not_mine == {} and masking.copy_version == 2 and masking.recheck == RecheckStatus.CLEAN
    assert not _masked_text_found(masking)
    event = AuditEvent.objects.get(action="masking_office_recover")
    assert event.actor == office and event.extra["from"]["not_mine"] == {name["id"]: "证书上是我父亲的名字"}
    # Not the applicant's to undo any more (submitted), and not a county reviewer's to overrule.
    with pytest.raises(DomainError):
        services.masking_office_recover(
            actor=demo_users["demo_county"], attachment_id=attachment.pk, finding_ids=None, reason="x"
        )
    expert_assign(actor=office, dossier=dossier, expert=expert)
    assert masked_attachments(dossier) == [attachment]
