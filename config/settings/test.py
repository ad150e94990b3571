"""Tests: real database (SQLite by default, PostgreSQL via DATABASE_URL), huey immediate."""

from .base import *  # noqa: F403
from .base import HUEY

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "core.sms.LocmemBackend"
HUEY = {**HUEY, "immediate": True}
HUEY_IMMEDIATE = True
