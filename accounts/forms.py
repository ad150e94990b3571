from __future__ import annotations

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import units
from core.text import is_mobile_phone, normalise_number


class RegistrationForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("User name"),
        max_length=150,
        help_text=gettext_lazy("Letters, digits or Chinese characters, and @ . + - _; no spaces."),
        validators=[
            UnicodeUsernameValidator(
                message=gettext_lazy(
                    "A user name may only hold letters, digits, Chinese characters and @ . + - _: "
                    "no spaces or other characters."
                )
            )
        ],
    )
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=64)
    phone = forms.CharField(label=gettext_lazy("Mobile number"), max_length=20)
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Employer"),
        queryset=units(),
        empty_label=gettext_lazy("Choose your employer"),
        error_messages={"invalid_choice": gettext_lazy("Choose an employer from the list.")},
    )
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput, min_length=8)
    password_confirm = forms.CharField(label=gettext_lazy("Confirm the password"), widget=forms.PasswordInput)

    def clean_phone(self) -> str:
        value = normalise_number(self.cleaned_data["phone"])
        if not is_mobile_phone(value):
            raise forms.ValidationError(_("Enter an 11-digit mobile number (digits 0-9 only)."))
        return value

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", _("The two passwords differ."))
        return data
