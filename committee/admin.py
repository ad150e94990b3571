from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from accounts.auth import signed_in_user
from accounts.models import User
from committee.models import ExpertAssignment
from committee.services import expert_assign
from core.errors import DomainError

if TYPE_CHECKING:  # the stubs make ModelForm generic; at run time it is not subscriptable
    _AssignmentModelForm = forms.ModelForm[ExpertAssignment]
else:
    _AssignmentModelForm = forms.ModelForm


class ExpertAssignmentForm(_AssignmentModelForm):
    """Adding an assignment in the admin goes through `expert_assign`, with the pages' checks (who may
    assign, expert role, recusal); a refusal shows as a form error instead of a row saved around them."""

    actor: User | None = None

    class Meta:
        model = ExpertAssignment
        fields = ["expert", "dossier"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("expert") and data.get("dossier"):
            try:
                # The admin's add view runs in one transaction: a later failure undoes this too.
                self.assigned = expert_assign(actor=self.actor, dossier=data["dossier"], expert=data["expert"])
            except DomainError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data

    def _get_validation_exclusions(self) -> set[str]:
        # The service has just saved the row (or found the existing one): the model's unique constraint
        # must not then refuse the form for the row it made.
        excluded = set(super()._get_validation_exclusions())  # type: ignore[misc]  # Django's, not in the stubs
        if getattr(self, "assigned", None) is not None:
            excluded |= {"expert", "dossier"}
        return excluded


@admin.register(ExpertAssignment)
class ExpertAssignmentAdmin(admin.ModelAdmin):
    form = ExpertAssignmentForm
    list_display = ("pseudonym", "expert", "dossier", "assigned_at")
    raw_id_fields = ("expert", "dossier")
    readonly_fields = ("pseudonym", "assigned_by", "assigned_at")

    def get_readonly_fields(self, request: HttpRequest, obj: ExpertAssignment | None = None) -> Any:
        # An assignment is never re-pointed at another expert or dossier: remove it and assign anew.
        return ("expert", "dossier", *self.readonly_fields) if obj is not None else self.readonly_fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = signed_in_user(request)  # type: ignore[attr-defined]  # our ExpertAssignmentForm
        return form

    def save_model(
        self, request: HttpRequest, obj: ExpertAssignment, form: ModelForm[ExpertAssignment], change: bool
    ) -> None:
        if change:
            return  # nothing editable is left on an existing assignment
        assigned = form.assigned  # type: ignore[attr-defined]
        obj.pk, obj.pseudonym, obj.assigned_by, obj.assigned_at = (
            assigned.pk,
            assigned.pseudonym,
            assigned.assigned_by,
            assigned.assigned_at,
        )
