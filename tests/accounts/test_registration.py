"""Applicant self-registration: scoped to an employer unit; refusals in Chinese."""

from __future__ import annotations

import pytest

from accounts.models import Role, RoleAssignment, User

pytestmark = pytest.mark.django_db


def form(orgs, **overrides):
    data = {
        "username": "new_applicant",
        "full_name": "阿依古丽",
        "phone": "13912345678",
        "unit": orgs["U-QMYH"].pk,
        "password": "Strong-pass-2023",
        "password_confirm": "Strong-pass-2023",
    }
    data.update(overrides)
    return data


def test_registration_creates_an_applicant_of_the_unit_and_logs_in(client, orgs):
    response = client.post("/accounts/register/", form(orgs))
    assert response.status_code == 302
    user = User.objects.get(username="new_applicant")
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "organization__code")) == [
        (Role.APPLICANT, "U-QMYH")
    ]
    assert client.get("/").url == "/dossiers/"  # lands on 我的申报


def test_registration_refusals(client, orgs, demo_users):
    taken = client.post("/accounts/register/", form(orgs, username="demo_applicant"))
    assert "该用户名已被注册" in taken.content.decode()
    mismatch = client.post("/accounts/register/", form(orgs, password_confirm="other-pass-2023"))
    assert "两次输入的密码不一致" in mismatch.content.decode()
    bad_phone = client.post("/accounts/register/", form(orgs, phone="12345"))
    assert "11 位手机号码" in bad_phone.content.decode()
    # Only employer units are offered: nobody registers themselves into a county office.
    county = client.post("/accounts/register/", form(orgs, unit=orgs["BZ-KRL"].pk))
    assert county.status_code == 200
    assert not User.objects.filter(username="new_applicant").exists()


def test_login_and_logout(client, demo_users):
    from demo.setup import DEMO_PASSWORD

    response = client.post("/accounts/login/", {"username": "demo_applicant", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/dossiers/").status_code == 200
    bad = client.post("/accounts/login/", {"username": "demo_applicant", "password": "wrong"})
    assert bad.status_code == 200
