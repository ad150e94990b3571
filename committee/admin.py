from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from accounts.auth import signed_in_user
from committee.models import ExpertAssignment
from committee.services import pseudonym_for


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(admin.ModelAdmin):
    list_display = ("pseudonym", "expert", "dossier", "assigned_at")
    raw_id_fields = ("expert", "dossier", "assigned_by")
    readonly_fields = ("pseudonym", "assigned_by", "assigned_at")

    def save_model(
        self, request: HttpRequest, obj: ExpertAssignment, form: ModelForm[ExpertAssignment], change: bool
    ) -> None:
        if not obj.pseudonym:
            obj.pseudonym = pseudonym_for(obj.dossier)
            obj.assigned_by = signed_in_user(request)
        super().save_model(request, obj, form, change)
