"""Upload → OCR job → proposal → the applicant's confirmation → masked copy; re-uploads and refusals."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.db.models.fields.files import FieldFile
from PIL import Image

from core.errors import DomainError, ErrorCode, NotFound, ValidationFailed
from masking import services
from masking.detection import FlagReason
from masking.models import AttachmentMasking, MaskingStatus
from masking.selectors import masking_summary, unconfirmed_attachments
from tests.masking.conftest import APPLICANT_ID, document_image


def _gray(field_file: FieldFile) -> np.ndarray:
    with field_file.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as img:
        assert not img.getexif()
        return np.asarray(img.convert("L")).astype(int)


def test_upload_runs_ocr_and_proposes_boxes_then_confirm_renders_the_masked_copy(dossier, upload, certificate) -> None:
    attachment = upload(dossier, certificate)
    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.status == MaskingStatus.PROPOSED, masking.flag_reasons
    assert masking.found_kinds == ["id_number", "name"]
    assert masking.needs_masking is True
    assert len(masking.proposed_boxes) == 2
    # The name sits at x≈176..272 (after "姓名：" at 32 px), y≈130..165.
    name_box = min(masking.proposed_boxes, key=lambda b: b[1])
    assert name_box[0] <= 178 and name_box[2] >= 270 and name_box[1] <= 132 and name_box[3] >= 162
    assert name_box[2] < 330  # not over "性别"
    assert unconfirmed_attachments(dossier) == [attachment]

    boxes = [*masking.proposed_boxes, [600, 300, 700, 380]]
    confirmed = services.masking_confirm(
        actor=dossier.applicant, attachment_id=attachment.pk, boxes=boxes, needs_masking=True
    )
    assert confirmed.status == MaskingStatus.CONFIRMED
    pixels = _gray(confirmed.masked_file)
    for x0, y0, x1, y1 in boxes:
        assert pixels[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max() < 40
    assert pixels[380:, :].min() > 200  # below every box: untouched white
    assert unconfirmed_attachments(dossier) == []
    assert masking_summary(dossier).complete


def test_no_masking_needed_still_gets_a_clean_copy(dossier, upload) -> None:
    plain = document_image([("道路养护技术规范 第三章", 40, 40, 30)])
    attachment = upload(dossier, plain, section="achievements", doc_type="achievement_proof")
    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.status == MaskingStatus.PROPOSED and masking.proposed_boxes == [] and masking.needs_masking is False
    with pytest.raises(ValidationFailed):  # 是否需要遮盖 must be answered
        services.masking_confirm(actor=dossier.applicant, attachment_id=attachment.pk, boxes=[], needs_masking=None)
    with pytest.raises(ValidationFailed):  # 是 without any box
        services.masking_confirm(actor=dossier.applicant, attachment_id=attachment.pk, boxes=[], needs_masking=True)
    confirmed = services.masking_confirm(
        actor=dossier.applicant, attachment_id=attachment.pk, boxes=[[1, 1, 50, 50]], needs_masking=False
    )
    assert confirmed.confirmed_boxes == []
    assert _gray(confirmed.masked_file)[5:45, 5:45].min() > 200


def test_certificate_without_the_name_is_flagged_for_manual_masking(dossier, upload) -> None:
    other = document_image([("职称证书", 300, 30, 40), ("姓名：王晓梅   性别：女", 80, 130, 32)])
    attachment = upload(dossier, other)
    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.status == MaskingStatus.FLAGGED
    assert FlagReason.NAME_NOT_FOUND in masking.flag_reasons
    assert masking.needs_masking is None
    assert masking_summary(dossier).flagged == 1


def test_reupload_replaces_the_old_result_and_stale_jobs_do_nothing(dossier, upload, certificate) -> None:
    first = upload(dossier, certificate)
    proposed = AttachmentMasking.objects.get(attachment=first).proposed_boxes
    services.masking_confirm(
        actor=dossier.applicant, attachment_id=first.pk, boxes=[*proposed, [0, 0, 10, 10]], needs_masking=True
    )
    old_masked = AttachmentMasking.objects.get(attachment=first).masked_file
    storage, old_name = old_masked.storage, old_masked.name
    assert old_name, "confirming with boxes stores a masked copy"
    assert storage.exists(old_name)

    rescan = certificate.copy()
    rescan.putpixel((0, 0), (0, 0, 0))  # a new scan of the page (the very same file again is refused)
    second = upload(dossier, rescan)  # the single-file slot: replaces the first upload
    assert not AttachmentMasking.objects.filter(attachment_id=first.pk).exists()
    assert not storage.exists(old_name)
    masking = AttachmentMasking.objects.get(attachment=second)
    assert masking.status == MaskingStatus.PROPOSED

    # A job of an older version (e.g. a retry arriving late) leaves the current state alone.
    rescheduled = AttachmentMasking.objects.get(pk=masking.pk)
    rescheduled.job_version += 1
    rescheduled.status = MaskingStatus.PENDING
    rescheduled.save()
    assert services.masking_run_detection(masking_id=masking.pk, version=rescheduled.job_version - 1) is None
    assert AttachmentMasking.objects.get(pk=masking.pk).status == MaskingStatus.PENDING
    # The current version runs, and running it twice gives the same proposal (idempotent).
    once = services.masking_run_detection(masking_id=masking.pk, version=rescheduled.job_version)
    AttachmentMasking.objects.filter(pk=masking.pk).update(status=MaskingStatus.PENDING)
    twice = services.masking_run_detection(masking_id=masking.pk, version=rescheduled.job_version)
    assert once is not None and twice is not None and once.proposed_boxes == twice.proposed_boxes


def test_final_failure_fails_closed(dossier, upload, certificate) -> None:
    attachment = upload(dossier, certificate)
    masking = AttachmentMasking.objects.get(attachment=attachment)
    AttachmentMasking.objects.filter(pk=masking.pk).update(status=MaskingStatus.RUNNING)
    services.masking_record_failure(masking_id=masking.pk, version=masking.job_version, error="boom", final=False)
    assert AttachmentMasking.objects.get(pk=masking.pk).status == MaskingStatus.PENDING
    services.masking_record_failure(masking_id=masking.pk, version=masking.job_version, error="boom", final=True)
    assert AttachmentMasking.objects.get(pk=masking.pk).status == MaskingStatus.FAILED
    assert unconfirmed_attachments(dossier) == [attachment]


def test_only_the_applicant_and_only_while_editable(dossier, upload, certificate, demo_users) -> None:
    attachment = upload(dossier, certificate)
    for someone in ("demo_unit", "demo_expert", "demo_applicant2"):
        with pytest.raises(NotFound):
            services.masking_confirm(
                actor=demo_users[someone], attachment_id=attachment.pk, boxes=[], needs_masking=False
            )
    dossier.status = "submitted_unit"
    dossier.save(update_fields=["status"])
    with pytest.raises(DomainError) as exc:
        services.masking_confirm(actor=dossier.applicant, attachment_id=attachment.pk, boxes=[], needs_masking=False)
    assert exc.value.code == ErrorCode.NOT_EDITABLE


def test_editing_a_confirmed_image_unconfirms_it(dossier, upload, certificate) -> None:
    attachment = upload(dossier, certificate)
    proposed = AttachmentMasking.objects.get(attachment=attachment).proposed_boxes
    services.masking_confirm(
        actor=dossier.applicant, attachment_id=attachment.pk, boxes=[*proposed, [0, 0, 20, 20]], needs_masking=True
    )
    draft = services.masking_save_draft(
        actor=dossier.applicant,
        attachment_id=attachment.pk,
        boxes=[*proposed, [5, 5, 40, 40], [900, 900, 2000, 2000]],
        needs_masking=True,
    )
    assert draft.status == MaskingStatus.PROPOSED and not draft.masked_file
    # Out-of-image parts are clipped; a box entirely outside disappears.
    assert draft.editor_boxes == [*proposed, [5, 5, 40, 40]]
    assert unconfirmed_attachments(dossier) == [attachment]
    assert APPLICANT_ID not in str(draft.found_kinds)
