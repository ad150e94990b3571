"""The password hasher is argon2id at a chosen cost; hashes made with Django's default argon2 parameters still
verify and are re-hashed with ours on the next sign-in (the test settings use MD5 for speed, so the real list
is put back here)."""

from __future__ import annotations

from typing import cast

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import Client, override_settings

from accounts.hashers import Argon2idPasswordHasher
from accounts.models import User
from config.settings import base
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_new_passwords_use_argon2id_at_the_chosen_cost() -> None:
    encoded = make_password("Kx9#wrq-2026")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(identify_hasher(encoded), Argon2idPasswordHasher)


@override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
def test_a_default_argon2_hash_verifies_and_is_upgraded_on_sign_in() -> None:
    old = Argon2PasswordHasher()
    user = cast(User, UserFactory(username="old_hash_user"))
    user.password = old.encode("Kx9#wrq-2026", old.salt())
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password

    response = Client().post("/accounts/login/", {"username": "old_hash_user", "password": "Kx9#wrq-2026"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password and user.check_password("Kx9#wrq-2026")
