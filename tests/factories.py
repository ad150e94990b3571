"""Shared factories (zh_CN Faker). Organisations and rounds come from the real demo set-up and policy file."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.models import Organization, Role, RoleAssignment, User
from demo.setup import make_credit_code


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"ORG-{n:04d}")
    name = factory.Faker("company", locale="zh_CN")
    kind = Organization.Kind.UNIT


class UnitFactory(OrganizationFactory):
    kind = Organization.Kind.UNIT
    unit_type = Organization.UnitType.ENTERPRISE
    unit_level = Organization.UnitLevel.COUNTY
    credit_code = factory.Sequence(lambda n: make_credit_code(f"F{n:06d}"))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", "Secret-pass-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def give_role(user: User, role: Role, organization: Organization) -> User:
    RoleAssignment.objects.create(user=user, role=role, organization=organization)
    return user
