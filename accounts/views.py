from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import RegistrationForm
from accounts.services import applicant_register
from core.errors import DomainError


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = applicant_register(
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                phone=data["phone"],
                unit=data["unit"],
            )
        except DomainError as exc:
            field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Registered. Welcome to the professional title platform."))
            return redirect("portal:home")
    return render(request, "accounts/register.html", {"form": form})
