"""Writes for people and organisations."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accounts.models import AuditEvent, Organization, Role, RoleAssignment, User
from core.errors import ValidationFailed


class UsernameUnavailable(ValidationFailed):
    """The name is taken. The registration page answers it exactly like a success, so that nobody can
    learn which usernames exist; the person finds out by signing in (which is throttled)."""


def audit_target(obj: models.Model | str) -> str:
    """`model_name:key` for a record (`round:bz-2023-highway`, `dossier:12`); a string is taken as it is."""
    if isinstance(obj, str):
        return obj
    label = re.sub(r"(?<!^)(?=[A-Z])", "_", type(obj).__name__).lower()
    return f"{label}:{getattr(obj, 'slug', None) or obj.pk}"


def audit(actor: User | None, action: str, obj: models.Model | str, **extra: Any) -> AuditEvent:
    """Record who did what to which record (state changes other than dossier transitions, which are
    recorded as workflow Transitions). Call it inside the writing transaction, so it rolls back with it."""
    who = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(actor=who, action=action, target=audit_target(obj), extra=extra)


@transaction.atomic
def applicant_register(*, username: str, password: str, full_name: str, phone: str, unit: Organization) -> User:
    """Self-registration of an applicant, scoped to the employer unit they work for."""
    if unit.kind != Organization.Kind.UNIT:
        raise ValidationFailed("请选择您所在的用人单位。")
    user = User(username=username, full_name=full_name, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("；".join(exc.messages), details={"field": "password"}) from exc
    # Hashed before the name is looked up, so a taken name costs the same time as a free one.
    user.set_password(password)
    try:
        with transaction.atomic():
            if User.objects.filter(username__iexact=username).exists():
                raise UsernameUnavailable("该用户名不可用。", details={"field": "username"})
            user.full_clean()
            user.save()
            role_assign(actor=None, user=user, role=Role.APPLICANT, organization=unit)
    except IntegrityError as exc:  # two registrations of one name at the same moment
        raise UsernameUnavailable("该用户名不可用。", details={"field": "username"}) from exc
    except ValidationError as exc:
        if "username" in getattr(exc, "error_dict", {}):
            raise UsernameUnavailable("该用户名不可用。", details={"field": "username"}) from exc
        raise ValidationFailed("；".join(exc.messages)) from exc
    return user


@transaction.atomic
def role_assign(*, actor: User | None, user: User, role: Role, organization: Organization) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, organization=organization)
    assignment.full_clean()
    assignment.save()
    audit(actor, "role_assign", user, role=str(role), organization=organization.code)
    return assignment


@transaction.atomic
def officer_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    full_name: str,
    role: Role,
    organization: Organization,
    email: str = "",
) -> User:
    """Officers are created by administrators (admin site or the demo set-up), never self-registered."""
    user = User(username=username, full_name=full_name, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    role_assign(actor=actor, user=user, role=role, organization=organization)
    return user
