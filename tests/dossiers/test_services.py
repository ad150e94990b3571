"""Dossier services: create, attachments, completeness, submit, read-only after submission."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import IntegrityError, transaction
from PIL import Image

from core.errors import DomainError, ErrorCode, NotFound, PermissionDenied, ValidationFailed
from demo.samples import sample_sections
from dossiers import services, signals
from dossiers.images import BadAttachment
from dossiers.models import Attachment, Dossier, DossierSection, Submission
from dossiers.selectors import dossier_completeness
from tests.dossiers.conftest import upload
from tests.dossiers.helpers import jpeg_bytes, png_bytes
from workflow.actions import act

pytestmark = pytest.mark.django_db


def confirm_masking(dossier: Dossier, actor) -> None:
    from masking.services import masking_confirm

    for attachment in dossier.attachments.all():
        masking_confirm(actor=actor, attachment_id=attachment.pk, boxes=[], needs_masking=False)


# ---- create -----------------------------------------------------------------------------------------


def test_create_sets_unit_serial_and_draft(dossier, applicant):
    assert dossier.unit.code == "U-KRLJT"
    assert dossier.status == "draft"
    assert dossier.serial_number == f"BZ{dossier.round.year}-{dossier.pk:06d}"


def test_create_refused_outside_filing_window(round_2023, applicant):
    with pytest.raises(DomainError) as exc:
        services.dossier_create(actor=applicant, round_=round_2023, level="mid", kind="evaluation")
    assert exc.value.code == ErrorCode.OUTSIDE_WINDOW
    assert "网上申报" in exc.value.message


def test_create_refuses_a_pair_the_round_does_not_take(open_round, applicant):
    with pytest.raises(ValidationFailed):
        services.dossier_create(actor=applicant, round_=open_round, level="junior", kind="conferral")


def test_create_refused_for_officers(open_round, demo_users):
    with pytest.raises(PermissionDenied):
        services.dossier_create(actor=demo_users["demo_unit"], round_=open_round, level="mid", kind="evaluation")


def test_one_dossier_per_person_and_round(dossier, open_round, applicant):
    # Another level is refused too: one application per person per round, and the message says which one exists.
    with pytest.raises(ValidationFailed) as exc:
        services.dossier_create(actor=applicant, round_=open_round, level="junior", kind="evaluation")
    assert dossier.serial_number in exc.value.message
    assert "每人每个评审批次只能申报一个级别" in exc.value.message


def test_one_dossier_per_round_is_a_database_constraint(dossier):
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.create(
            round=dossier.round,
            applicant=dossier.applicant,
            unit=dossier.unit,
            level="junior",
            kind="evaluation",
            serial_number="BZ-second",
        )


# ---- attachments ------------------------------------------------------------------------------------


def test_upload_stores_a_clean_jpeg_and_sends_signal(dossier, applicant, django_capture_on_commit_callbacks):
    received = []

    def on_upload(sender, attachment, **kwargs):
        received.append(attachment.pk)

    signals.attachment_uploaded.connect(on_upload)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attachment = upload(
                dossier, applicant, "basic_info", "id_front", jpeg_bytes(exif_orientation=6), "身份证.JPG"
            )
    finally:
        signals.attachment_uploaded.disconnect(on_upload)
    assert received == [attachment.pk]
    assert (attachment.width, attachment.height) == (600, 800)
    with attachment.file.open("rb") as fh, Image.open(fh) as img:
        assert img.format == "JPEG" and not img.getexif()
    assert attachment.original_name == "身份证.JPG"


def test_single_slot_reupload_replaces_and_signals_removal(dossier, applicant, django_capture_on_commit_callbacks):
    removed = []

    def on_removed(sender, attachment_id, dossier, **kwargs):
        removed.append(attachment_id)

    first = upload(dossier, applicant, "basic_info", "photo")
    old_name = first.file.name
    storage = first.file.storage
    signals.attachment_removed.connect(on_removed)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            second = upload(dossier, applicant, "basic_info", "photo", jpeg_bytes(color="gray"))
    finally:
        signals.attachment_removed.disconnect(on_removed)
    assert removed == [first.pk]
    assert list(Attachment.objects.filter(dossier=dossier, doc_type="photo")) == [second]
    assert not storage.exists(old_name)


def test_multi_file_doc_types_accumulate(dossier, applicant):
    upload(dossier, applicant, "assessments", "assessment_form")
    upload(dossier, applicant, "assessments", "assessment_form")
    assert Attachment.objects.filter(dossier=dossier, doc_type="assessment_form").count() == 2


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (png_bytes(), "not_jpeg"),
        (jpeg_bytes(1000, 800)[:3000], "corrupt"),
        (b"not an image", "not_an_image"),
    ],
)
def test_bad_upload_refused_and_saved_file_kept(dossier, applicant, content, reason):
    kept = upload(dossier, applicant, "basic_info", "id_front")
    with pytest.raises(BadAttachment) as exc:
        upload(dossier, applicant, "basic_info", "id_front", content, "renamed.jpg")
    assert exc.value.details["reason"] == reason
    assert list(Attachment.objects.filter(dossier=dossier)) == [kept]
    assert kept.file.storage.exists(kept.file.name)


def test_oversized_upload_refused_by_policy_limit(dossier, applicant):
    limit = dossier.round.policy.attachments["max_bytes"]
    noise = Image.effect_noise((3000, 3000), 100).convert("RGB")
    out = io.BytesIO()
    noise.save(out, format="JPEG", quality=100)
    assert len(out.getvalue()) > limit
    with pytest.raises(BadAttachment) as exc:
        upload(dossier, applicant, "achievements", "achievement_proof", out.getvalue())
    assert exc.value.details["reason"] == "too_large"
    assert not Attachment.objects.filter(dossier=dossier).exists()


def test_unknown_doc_type_refused(dossier, applicant):
    with pytest.raises(ValidationFailed):
        upload(dossier, applicant, "basic_info", "diploma")


def test_delete_attachment_signals_and_removes(dossier, applicant, django_capture_on_commit_callbacks):
    attachment = upload(dossier, applicant, "education", "diploma")
    name, storage = attachment.file.name, attachment.file.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(attachment_id=attachment.pk, actor=applicant)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not storage.exists(name)


def test_other_applicant_cannot_touch_my_dossier(dossier, demo_users):
    other = demo_users["demo_applicant2"]
    with pytest.raises(NotFound):
        services.section_save(dossier_id=dossier.pk, actor=other, key="awards", data={"none": True, "rows": []})
    with pytest.raises(NotFound):
        upload(dossier, other, "basic_info", "photo")
    mine = upload(dossier, dossier.applicant, "basic_info", "photo")
    with pytest.raises(NotFound):
        services.attachment_delete(attachment_id=mine.pk, actor=other)
    with pytest.raises(NotFound):
        act(action="submit", dossier_id=dossier.pk, actor=other)


# ---- completeness -----------------------------------------------------------------------------------


def test_completeness_lists_everything_missing_at_once(dossier):
    result = dossier_completeness(dossier)
    assert not result.complete
    assert [s.key for s in result.sections][:3] == ["basic_info", "social_insurance", "education"]
    assert len(result.sections) == 15
    assert all(not s.ok for s in result.sections if s.key != "masking")
    assert result.section("basic_info").missing == ["尚未填写保存"]


def test_current_title_proof_count(dossier, applicant):
    for key, data in sample_sections(dossier).items():
        services.section_save(dossier_id=dossier.pk, actor=applicant, key=key, data=data)
    upload(dossier, applicant, "current_title", "title_certificate")
    missing = dossier_completeness(dossier).section("current_title").missing
    assert any("2 项（已传 1 项）" in m for m in missing)
    upload(dossier, applicant, "current_title", "title_document")
    assert dossier_completeness(dossier).section("current_title").ok
    # Obtained elsewhere: all 3 of 3.
    data = {**sample_sections(dossier)["current_title"], "issued_in_xinjiang": False}
    services.section_save(dossier_id=dossier.pk, actor=applicant, key="current_title", data=data)
    assert any("3 项（已传 2 项）" in m for m in dossier_completeness(dossier).section("current_title").missing)
    # Transfer from a government body: the appointment papers too.
    data["issued_in_xinjiang"] = True
    data["transferred_from_government"] = True
    services.section_save(dossier_id=dossier.pk, actor=applicant, key="current_title", data=data)
    assert any("任命文件" in m for m in dossier_completeness(dossier).section("current_title").missing)


def test_filled_dossier_is_complete_once_masking_confirmed(filled_dossier, applicant):
    result = dossier_completeness(filled_dossier)
    assert [s.key for s in result.sections if not s.ok] == ["masking"]
    confirm_masking(filled_dossier, applicant)
    assert dossier_completeness(filled_dossier).complete


# ---- submit -----------------------------------------------------------------------------------------


def test_incomplete_dossier_is_not_submitted(dossier, applicant):
    with pytest.raises(DomainError) as exc:
        act(action="submit", dossier_id=dossier.pk, actor=applicant)
    assert exc.value.code == ErrorCode.INCOMPLETE
    assert "基本信息" in exc.value.message
    dossier.refresh_from_db()
    assert dossier.status == "draft" and dossier.submission_count == 0


def test_submit_records_count_snapshot_and_locks_edits(filled_dossier, applicant):
    confirm_masking(filled_dossier, applicant)
    dossier = act(action="submit", dossier_id=filled_dossier.pk, actor=applicant)
    assert dossier.status == "submitted"
    assert dossier.submission_count == 1 and dossier.submitted_at is not None
    snapshot = Submission.objects.get(dossier=dossier, number=1).snapshot
    assert snapshot["sections"]["basic_info"]["name"] == "李建国"
    assert len(snapshot["attachments"]) == dossier.attachments.count()
    # Read-only now: every write is refused with NOT_EDITABLE and nothing changes.
    before = DossierSection.objects.get(dossier=dossier, key="awards").data
    with pytest.raises(DomainError) as exc:
        services.section_save(dossier_id=dossier.pk, actor=applicant, key="awards", data={"none": True, "rows": []})
    assert exc.value.code == ErrorCode.NOT_EDITABLE
    with pytest.raises(DomainError) as exc:
        upload(dossier, applicant, "basic_info", "photo")
    assert exc.value.code == ErrorCode.NOT_EDITABLE
    with pytest.raises(DomainError) as exc:
        services.attachment_delete(attachment_id=dossier.attachments.first().pk, actor=applicant)
    assert exc.value.code == ErrorCode.NOT_EDITABLE
    with pytest.raises(DomainError) as exc:
        act(action="submit", dossier_id=dossier.pk, actor=applicant)
    assert exc.value.code == ErrorCode.NOT_EDITABLE
    assert DossierSection.objects.get(dossier=dossier, key="awards").data == before


def test_submit_refused_outside_the_window(filled_dossier, applicant, time_machine):
    confirm_masking(filled_dossier, applicant)
    window = filled_dossier.round.policy.window("online_filing")
    time_machine.move_to(dt.datetime.combine(window.end + dt.timedelta(days=1), dt.time(10, 0)))
    with pytest.raises(DomainError) as exc:
        act(action="submit", dossier_id=filled_dossier.pk, actor=applicant)
    assert exc.value.code == ErrorCode.OUTSIDE_WINDOW
    filled_dossier.refresh_from_db()
    assert filled_dossier.status == "draft"


def test_fourth_submission_refused(filled_dossier, applicant):
    confirm_masking(filled_dossier, applicant)
    limit = filled_dossier.round.policy.max_submissions
    # Three earlier submissions, then returned: the state the workflow leaves it in.
    Dossier.objects.filter(pk=filled_dossier.pk).update(
        status="returned", submission_count=limit, returned_by_level="unit"
    )
    with pytest.raises(DomainError) as exc:
        act(action="resubmit", dossier_id=filled_dossier.pk, actor=applicant)
    assert exc.value.code == ErrorCode.SUBMISSION_LIMIT
    assert str(limit) in exc.value.message


def test_resubmit_after_return_counts_again(filled_dossier, applicant):
    confirm_masking(filled_dossier, applicant)
    act(action="submit", dossier_id=filled_dossier.pk, actor=applicant)
    Dossier.objects.filter(pk=filled_dossier.pk).update(status="returned", returned_by_level="unit")
    dossier = act(action="resubmit", dossier_id=filled_dossier.pk, actor=applicant)
    assert dossier.submission_count == 2
    assert dossier.status == "submitted"
    assert list(Submission.objects.filter(dossier=dossier).values_list("number", flat=True)) == [1, 2]
