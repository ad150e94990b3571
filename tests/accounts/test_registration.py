"""Applicant self-registration: scoped to an employer unit; refusals in Chinese."""

from __future__ import annotations

import re

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


def test_registration_creates_an_applicant_of_the_unit(client, orgs):
    response = client.post("/accounts/register/", form(orgs))
    assert response.status_code == 302 and response.url == "/accounts/login/"
    user = User.objects.get(username="new_applicant")
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", "organization__code")) == [
        (Role.APPLICANT, "U-QMYH")
    ]
    assert (
        client.post("/accounts/login/", {"username": "new_applicant", "password": "Strong-pass-2023"}).status_code
        == 302
    )
    assert client.get("/").url == "/dossiers/"  # lands on 我的申报


def test_registration_does_not_reveal_a_taken_username(client, orgs, demo_users):
    """A taken name gets the very answer a new one gets; the person learns it only by signing in."""
    fresh = client.post("/accounts/register/", form(orgs, username="someone_new"), follow=True)
    taken = client.post("/accounts/register/", form(orgs, username="demo_applicant"), follow=True)
    differs_case = client.post("/accounts/register/", form(orgs, username="DEMO_APPLICANT"), follow=True)
    assert fresh.redirect_chain == taken.redirect_chain == differs_case.redirect_chain == [("/accounts/login/", 302)]
    csrf = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
    assert csrf.sub("", fresh.content.decode()) == csrf.sub("", taken.content.decode())
    assert "注册申请已提交" in taken.content.decode()
    assert not User.objects.filter(username="DEMO_APPLICANT").exists()
    assert User.objects.get(username="demo_applicant").full_name != "阿依古丽"


def test_registration_refusals(client, orgs, demo_users):
    mismatch = client.post("/accounts/register/", form(orgs, password_confirm="other-pass-2023"))
    assert "两次输入的密码不一致" in mismatch.content.decode()
    bad_phone = client.post("/accounts/register/", form(orgs, phone="12345"))
    assert "11 位手机号码" in bad_phone.content.decode()
    # Only employer units are offered: nobody registers themselves into a county office.
    county = client.post("/accounts/register/", form(orgs, unit=orgs["BZ-KRL"].pk))
    assert county.status_code == 200
    assert not User.objects.filter(username="new_applicant").exists()


@pytest.mark.parametrize(
    "username", ["with space", "tab\tname", "semi;colon", "slash/name", "<script>", "名字 空格", " ", "a" * 151]
)
def test_invalid_usernames_are_refused_in_chinese(client, orgs, username):
    response = client.post("/accounts/register/", form(orgs, username=username))
    assert response.status_code == 200
    page = response.content.decode()
    assert "用户名" in page and ("只能包含" in page or "不超过 150" in page or "必填" in page)
    assert not User.objects.exclude(username__startswith="demo").exists()


def test_password_like_the_username_is_refused(client, orgs):
    response = client.post(
        "/accounts/register/",
        form(orgs, username="ayiguli2023", password="ayiguli2023", password_confirm="ayiguli2023"),
    )
    assert response.status_code == 200
    assert "相似" in response.content.decode()
    assert not User.objects.filter(username="ayiguli2023").exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("１３９１２３４５６７８", "13912345678"), ("13912345678\n", "13912345678"), (" 13912345678 ", "13912345678")],
)
def test_full_width_digits_and_newlines_in_phone_are_normalised(client, orgs, typed, stored):
    assert client.post("/accounts/register/", form(orgs, phone=typed)).status_code == 302
    assert User.objects.get(username="new_applicant").phone == stored


@pytest.mark.parametrize(
    "typed", ["1٣٩١٢٣٤٥٦٧٨", "１３９１２３４５６７８９", "139 1234 5678", "13912345678\n0", "¹3912345678"]
)
def test_other_digits_in_phone_are_refused(client, orgs, typed):
    response = client.post("/accounts/register/", form(orgs, phone=typed))
    assert response.status_code == 200
    assert "仅限数字 0-9" in response.content.decode()


def test_login_and_logout(client, demo_users):
    from demo.setup import DEMO_PASSWORD

    response = client.post("/accounts/login/", {"username": "demo_applicant", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/dossiers/").status_code == 200
    bad = client.post("/accounts/login/", {"username": "demo_applicant", "password": "wrong"})
    assert bad.status_code == 200
