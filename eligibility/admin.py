from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest

from accounts.auth import signed_in_user, user_or_none
from core.errors import DomainError
from eligibility.models import FraudFinding
from eligibility.services import can_keep_fraud_register, fraud_finding_delete, fraud_finding_record


@admin.register(FraudFinding)
class FraudFindingAdmin(admin.ModelAdmin):
    """The fraud register, kept by the prefecture office. Entries are added or removed, never edited, so the
    audit log tells the whole story."""

    list_display = ["id_number", "name", "round_year", "note", "recorded_by", "created_at"]
    list_filter = ["round_year"]
    search_fields = ["id_number", "name"]
    fields = ["id_number", "name", "round_year", "note"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_keep_fraud_register(user_or_none(request))

    def has_view_permission(self, request: HttpRequest, obj: FraudFinding | None = None) -> bool:
        return can_keep_fraud_register(user_or_none(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_keep_fraud_register(user_or_none(request))

    def has_change_permission(self, request: HttpRequest, obj: FraudFinding | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FraudFinding | None = None) -> bool:
        return can_keep_fraud_register(user_or_none(request))

    def save_model(self, request, obj, form, change):
        try:
            saved = fraud_finding_record(
                actor=signed_in_user(request),
                id_number=obj.id_number,
                round_year=obj.round_year,
                note=obj.note,
                name=obj.name,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        fraud_finding_delete(actor=signed_in_user(request), finding=obj)

    def delete_queryset(self, request, queryset):
        for finding in queryset:
            fraud_finding_delete(actor=signed_in_user(request), finding=finding)
