"""Issue 11 point 13: no open redirect, malformed numbers refused, admin assignments through the service."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from committee.models import ExpertAssignment
from tests.committee.stage import make_expert
from tests.factories import UserFactory
from tests.workflow.conftest import make_dossier, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/x",
        "/\\evil.example",
        "http:evil.example",
        " //evil.example",
        "javascript:alert(1)",
    ],
)
def test_notifications_next_never_leaves_the_site(client, demo_users, target):
    client.force_login(demo_users["demo_applicant"])
    response = client.post(reverse("workflow:notifications_read"), {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("workflow:notifications")


def test_notifications_next_within_the_site_is_kept(client, demo_users):
    client.force_login(demo_users["demo_applicant"])
    response = client.post(reverse("workflow:notifications_read"), {"next": "/dossiers/?tab=1"})
    assert response.url == "/dossiers/?tab=1"


@pytest.fixture
def submitted(open_round, demo_users):
    return submit(make_dossier(open_round, demo_users["demo_applicant"]))


@pytest.mark.parametrize("version", ["abc", "1.5", "1e3", "99999999999999999999", "--1"])
def test_malformed_version_on_a_review_action_is_refused(client, demo_users, submitted, version):
    client.force_login(demo_users["demo_unit"])
    response = client.post(
        reverse("workflow:act", args=[submitted.pk]), {"action": "unit_accept", "version": version}, follow=True
    )
    assert "“版本号”应为整数" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


@pytest.mark.parametrize("working_days", ["abc", "五", "3.5"])
def test_malformed_working_days_are_refused_not_replaced_by_the_default(client, demo_users, submitted, working_days):
    client.force_login(demo_users["demo_unit"])
    client.post(reverse("workflow:act", args=[submitted.pk]), {"action": "unit_accept", "version": submitted.version})
    response = client.post(
        reverse("workflow:publicity_new"),
        {
            "ids": [submitted.pk],
            "start": timezone.localdate().isoformat(),
            "working_days": working_days,
            "contact": "人事科",
        },
    )
    assert response.status_code == 200
    assert "“公示天数（工作日）”应为整数" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == "unit_review"


def test_full_width_working_days_are_read(client, demo_users, submitted):
    client.force_login(demo_users["demo_unit"])
    client.post(reverse("workflow:act", args=[submitted.pk]), {"action": "unit_accept", "version": submitted.version})
    response = client.post(
        reverse("workflow:publicity_new"),
        {"ids": [submitted.pk], "start": timezone.localdate().isoformat(), "working_days": "５", "contact": "人事科"},
    )
    assert response.status_code == 302


def _admin_add(client, expert_user, dossier):
    return client.post(
        reverse("admin:committee_expertassignment_add"), {"expert": expert_user.pk, "dossier": dossier.pk}
    )


def test_admin_assignment_goes_through_the_service_checks(client, orgs, open_round, demo_users):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    dossier = submit(make_dossier(open_round, demo_users["demo_applicant"]))
    colleague = make_expert(orgs["BZ"], unit=dossier.unit)  # must recuse: same unit as the applicant
    refused = _admin_add(client, colleague.user, dossier)
    assert refused.status_code == 200
    assert "须回避" in refused.content.decode()
    not_an_expert = UserFactory()
    refused = _admin_add(client, not_an_expert, dossier)
    assert "不是评审专家" in refused.content.decode()
    assert not ExpertAssignment.objects.exists()

    outsider = make_expert(orgs["BZ"])
    added = _admin_add(client, outsider.user, dossier)
    assert added.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", added.content.decode(), re.S)
    assignment = ExpertAssignment.objects.get()
    assert assignment.expert == outsider.user and assignment.assigned_by == admin_user and assignment.pseudonym


def test_admin_assignment_by_a_staff_member_without_the_role_is_refused(client, orgs, open_round, demo_users):
    from django.contrib.auth.models import Permission

    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_expertassignment", "view_expertassignment"])
    )
    client.force_login(staff)
    dossier = submit(make_dossier(open_round, demo_users["demo_applicant"]))
    expert = make_expert(orgs["BZ"])
    response = _admin_add(client, expert.user, dossier)
    assert response.status_code == 200
    assert "只有州评委会办公室可以分配评审专家" in response.content.decode()
    assert not ExpertAssignment.objects.exists()
