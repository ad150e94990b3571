"""Organisations (region → prefecture → county → employer unit) and people with scoped roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from stdnum.cn import uscc

from accounts.unit_levels import UnitLevel
from accounts.unit_types import UnitType


class Organization(models.Model):
    class Kind(models.TextChoices):
        REGION = "region", "自治区"
        PREFECTURE = "prefecture", "自治州"
        COUNTY = "county", "县（市）"
        UNIT = "unit", "用人单位"

    # Named here too so callers can keep writing Organization.UnitType (the vocabularies live in their modules).
    UnitType = UnitType
    UnitLevel = UnitLevel

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    unit_type = models.CharField("单位性质", max_length=16, choices=UnitType.choices, blank=True)
    unit_level = models.CharField("单位层级", max_length=16, choices=UnitLevel.choices, blank=True)
    # Enterprises are routed by the registration place of their business licence (notice 4(三)).
    registration_county = models.ForeignKey(
        "self",
        verbose_name="注册地（县市）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_units",
        limit_choices_to={"kind": "county"},
    )
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    # Managed as civil servants (参照公务员法管理): its staff may not apply.
    managed_as_civil_servant = models.BooleanField("参照公务员法管理", default=False)

    class Meta:
        verbose_name = "组织机构"
        verbose_name_plural = "组织机构"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.UNIT:
            if not self.unit_type:
                errors["unit_type"] = "用人单位必须填写单位性质。"
            if not self.unit_level:
                errors["unit_level"] = "用人单位必须填写单位层级。"
            if self.registration_county_id is None:
                errors["registration_county"] = "用人单位必须填写注册地（县市），材料据此逐级报送。"
            if self.unit_type == self.UnitType.ENTERPRISE:
                if not self.credit_code:
                    errors["credit_code"] = "企业必须填写统一社会信用代码。"
                elif not uscc.is_valid(self.credit_code):
                    errors["credit_code"] = "统一社会信用代码校验不通过，请核对。"
        elif self.credit_code and not uscc.is_valid(self.credit_code):
            errors["credit_code"] = "统一社会信用代码校验不通过，请核对。"
        if errors:
            raise ValidationError(errors)

    @property
    def county(self) -> Organization | None:
        """The county office a unit's dossiers go to."""
        if self.kind == self.Kind.COUNTY:
            return self
        return self.registration_county

    @property
    def prefecture(self) -> Organization | None:
        node: Organization | None = self.county or self
        while node is not None and node.kind != self.Kind.PREFECTURE:
            node = node.parent
        return node


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=64, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    APPLICANT = "applicant", "申报人"
    UNIT_REVIEWER = "unit_reviewer", "推荐单位审核人"
    COUNTY_REVIEWER = "county_reviewer", "县（市）审核人"
    PREFECTURE_OFFICER = "prefecture_officer", "州评委会办公室"
    EXPERT = "expert", "评审专家"
    ADMINISTRATOR = "administrator", "系统管理员"


class RoleAssignment(models.Model):
    """One role of one person, scoped to one organisation (an applicant: their employer unit)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization, verbose_name="所属机构", on_delete=models.PROTECT, related_name="role_assignments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [models.UniqueConstraint(fields=["user", "role", "organization"], name="unique_role_per_org")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"

    def clean(self) -> None:
        expected = {
            Role.APPLICANT: Organization.Kind.UNIT,
            Role.UNIT_REVIEWER: Organization.Kind.UNIT,
            Role.COUNTY_REVIEWER: Organization.Kind.COUNTY,
            Role.PREFECTURE_OFFICER: Organization.Kind.PREFECTURE,
        }.get(Role(self.role))
        if expected and self.organization_id and self.organization.kind != expected:
            raise ValidationError(
                {"organization": f"“{self.get_role_display()}”必须归属于{Organization.Kind(expected).label}。"}
            )


class AuditEvent(models.Model):
    """Who did what to which record, for state changes that are not dossier transitions."""

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="操作人"
    )
    action = models.CharField("操作", max_length=64)
    target = models.CharField("对象", max_length=128, blank=True)
    extra = models.JSONField("详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"
