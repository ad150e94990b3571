"""Three submissions then a refusal, through the applicant's real submit service (complete dossier,
eligibility, masking) and the unit's returns; every submission's content stays viewable."""

from __future__ import annotations

import pytest

from core.errors import DomainError, ErrorCode
from dossiers import services as dossier_services
from dossiers.models import Submission
from masking.services import masking_confirm
from tests.dossiers.conftest import fill_sections, upload_required
from workflow import selectors
from workflow.actions import act

pytestmark = pytest.mark.django_db


def test_three_submissions_then_refusal_with_real_submit(open_round, demo_users):
    applicant, unit = demo_users["demo_applicant"], demo_users["demo_unit"]
    dossier = dossier_services.dossier_create(actor=applicant, round_=open_round, level="mid", kind="evaluation")
    fill_sections(dossier, applicant)
    upload_required(dossier, applicant)
    for attachment in dossier.attachments.all():
        masking_confirm(actor=applicant, attachment_id=attachment.pk, boxes=[], needs_masking=False)

    act(action="submit", dossier_id=dossier.pk, actor=applicant)
    for n in (2, 3):
        act(
            action="return",
            dossier_id=dossier.pk,
            actor=unit,
            reasons=[{"section": "achievements", "reason": f"第 {n - 1} 次退回：请补充"}],
        )
        dossier_services.section_save(
            dossier_id=dossier.pk, actor=applicant, key="achievements", data={"text": f"第 {n} 次提交的业绩说明。"}
        )
        dossier = act(action="resubmit", dossier_id=dossier.pk, actor=applicant)
        assert dossier.status == "submitted" and dossier.submission_count == n
    # The third submission returned: the application ends (issue 10), after the reviewer confirmed it.
    reasons = [{"section": "achievements", "reason": "仍不完整"}]
    act(action="return", dossier_id=dossier.pk, actor=unit, reasons=reasons, confirm_final=True)
    with pytest.raises(DomainError) as err:
        act(action="resubmit", dossier_id=dossier.pk, actor=applicant)
    assert err.value.code == ErrorCode.NOT_EDITABLE
    dossier.refresh_from_db()
    assert dossier.status == "returned_final" and dossier.submission_count == 3
    assert list(Submission.objects.filter(dossier=dossier).values_list("number", flat=True)) == [1, 2, 3]
    changes = selectors.submission_diffs(dossier)[0].changes  # 2 → 3
    assert [(c.section, c.after) for c in changes] == [("achievements", "第 3 次提交的业绩说明。")]
