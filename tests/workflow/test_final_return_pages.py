"""Issue 10, the third submission: at the last allowed submission the reviewer's page warns that a return ends
the application and asks for confirmation; afterwards the applicant sees the reasons, no resubmit button, and
never "可修改后重新提交"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dossiers.models import Dossier
from workflow.actions import act, return_ends_application

from .conftest import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def third(submitted, demo_users) -> Dossier:
    unit = demo_users["demo_unit"]
    for n in (2, 3):
        reasons = [{"section": "work_summary", "reason": f"第{n}次退回"}]
        act(action="return", dossier_id=submitted.pk, actor=unit, reasons=reasons)
        submit(submitted)
    submitted.refresh_from_db()
    assert submitted.submission_count == 3
    return submitted


def test_reviewer_is_warned_then_the_return_ends_the_application(client, third, demo_users):
    client.force_login(demo_users["demo_unit"])
    page = client.get(reverse("workflow:detail", args=[third.pk])).content.decode()
    assert 'id="final-return-warning"' in page and "此次退回将终止申报" in page and 'name="confirm_final"' in page
    url = reverse("workflow:return", args=[third.pk])
    client.post(url, {"reason_papers": "论文页码缺失", "version": third.version})
    third.refresh_from_db()
    assert third.status == "submitted"  # not confirmed: nothing happened
    client.post(url, {"reason_papers": "论文页码缺失", "version": third.version, "confirm_final": "1"})
    third.refresh_from_db()
    assert third.status == "returned_final"

    client.force_login(third.applicant)
    page = client.get(reverse("dossiers:detail", args=[third.pk])).content.decode()
    assert "退回（已达提交次数上限）" in page and 'data-final="1"' in page and "论文页码缺失" in page
    assert "本次申报终止" in page
    assert "可修改后重新提交" not in page and 'id="submit-dossier"' not in page


def test_earlier_submissions_are_returned_without_a_warning(client, submitted, demo_users):
    client.force_login(demo_users["demo_unit"])
    page = client.get(reverse("workflow:detail", args=[submitted.pk])).content.decode()
    assert "final-return-warning" not in page
    assert not return_ends_application(submitted)


def test_an_abandoned_dossier_no_longer_offers_a_resubmission(client, submitted, demo_users):
    Dossier.objects.filter(pk=submitted.pk).update(status="abandoned")
    client.force_login(submitted.applicant)
    page = client.get(reverse("dossiers:detail", args=[submitted.pk])).content.decode()
    assert 'id="ended-notice"' in page and "可修改后重新提交" not in page
