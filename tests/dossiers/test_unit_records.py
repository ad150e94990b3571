"""Issue 10 point 7: the signed publicity records (annex 1 notice, annex 2 result) are uploaded by the unit,
filed with section 13, not counted in the applicant's completeness, never masked, never shown to experts;
county and prefecture reviewers see them beside the dossier."""

from __future__ import annotations

import io

import pytest

from committee.services import expert_assign
from core.errors import NotEditable, NotFound, PermissionDenied, ValidationFailed
from dossiers import services
from dossiers.models import Dossier
from dossiers.selectors import dossier_completeness, missing_unit_records
from masking.selectors import FileVariant, attachment_file_for, masking_items, masking_missing
from tests.dossiers.conftest import fill_sections, upload, upload_required
from tests.dossiers.helpers import jpeg_bytes
from tests.dossiers.test_services import confirm_masking

pytestmark = pytest.mark.django_db


def _at_unit(dossier: Dossier, status: str = "unit_publicity") -> Dossier:
    # Where the unit holds it; the review steps that lead there are not what these tests are about.
    Dossier.objects.filter(pk=dossier.pk).update(status=status, submission_count=1)
    dossier.refresh_from_db()
    return dossier


def _file_record(dossier: Dossier, actor, doc_type: str):
    return services.unit_record_upload(
        dossier_id=dossier.pk, actor=actor, doc_type=doc_type, upload=io.BytesIO(jpeg_bytes()), original_name="公示.jpg"
    )


@pytest.fixture
def complete(dossier, applicant) -> Dossier:
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    confirm_masking(dossier, applicant)
    assert dossier_completeness(dossier).complete
    return dossier


def test_the_unit_files_both_records_and_they_stay_outside_the_applicants_dossier(complete, demo_users):
    dossier = _at_unit(complete)
    unit = demo_users["demo_unit"]
    assert missing_unit_records(dossier) == ["推荐单位公示（附件1，签字盖章）", "推荐单位公示结果（附件2，签字盖章）"]
    notice = _file_record(dossier, unit, "unit_publicity")
    result = _file_record(dossier, unit, "publicity_result")
    assert (notice.section, result.section) == ("other_attachments", "other_attachments")
    assert missing_unit_records(dossier) == []
    # Uploading again replaces the record (one signed notice, one signed result).
    _file_record(dossier, unit, "publicity_result")
    assert dossier.attachments.filter(doc_type="publicity_result").count() == 1
    # Not the applicant's: completeness and masking (section 15) are as they were.
    Dossier.objects.filter(pk=dossier.pk).update(status="draft")
    assert dossier_completeness(dossier).complete
    assert masking_missing(dossier) == []
    assert notice.pk not in {item.attachment.pk for item in masking_items(dossier)}


def test_county_and_prefecture_see_them_experts_never(complete, demo_users):
    dossier = _at_unit(complete)
    notice = _file_record(dossier, demo_users["demo_unit"], "unit_publicity")
    for officer in ("demo_county", "demo_prefecture"):
        assert attachment_file_for(demo_users[officer], notice).variant == FileVariant.ORIGINAL
    expert = demo_users["demo_expert"]
    expert_assign(actor=demo_users["demo_prefecture"], dossier=dossier, expert=expert)
    with pytest.raises(NotFound):
        attachment_file_for(expert, notice, FileVariant.MASKED)
    with pytest.raises(NotFound):
        attachment_file_for(expert, notice, FileVariant.ORIGINAL)


def test_only_the_dossiers_own_unit_while_it_holds_the_dossier(complete, demo_users):
    dossier = _at_unit(complete, "unit_review")
    with pytest.raises(PermissionDenied):
        _file_record(dossier, demo_users["demo_unit_qm"], "unit_publicity")  # another unit
    with pytest.raises(PermissionDenied):
        _file_record(dossier, demo_users["demo_county"], "unit_publicity")
    with pytest.raises(ValidationFailed):
        _file_record(dossier, demo_users["demo_unit"], "other_proof")
    _at_unit(dossier, "recommended")
    with pytest.raises(NotEditable):
        _file_record(dossier, demo_users["demo_unit"], "unit_publicity")


def test_the_applicant_neither_uploads_nor_deletes_them(complete, applicant, demo_users):
    with pytest.raises(ValidationFailed, match="由推荐单位上传"):
        upload(complete, applicant, "other_attachments", "unit_publicity")
    dossier = _at_unit(complete)
    notice = _file_record(dossier, demo_users["demo_unit"], "unit_publicity")
    Dossier.objects.filter(pk=dossier.pk).update(status="returned")
    with pytest.raises(PermissionDenied):
        services.attachment_delete(attachment_id=notice.pk, actor=applicant)
    assert dossier.attachments.filter(pk=notice.pk).exists()
