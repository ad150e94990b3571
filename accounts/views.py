from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from accounts.forms import RegistrationForm
from accounts.services import UsernameUnavailable, applicant_register
from accounts.throttle import address_throttled
from core.errors import DomainError

# One answer for a new name and a taken one (see UsernameUnavailable).
REGISTERED_MESSAGE = gettext_lazy(
    "Registration sent: log in with the user name and password you chose. "
    "If you cannot log in, that user name is not available: register again with another one."
)


def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applicant_register(
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                phone=data["phone"],
                unit=data["unit"],
            )
        except UsernameUnavailable:
            pass
        except DomainError as exc:
            field = (exc.details or {}).get("field") if isinstance(exc.details, dict) else None
            form.add_error(field if field in form.fields else None, exc.message)
            return render(request, "accounts/register.html", {"form": form})
        messages.success(request, REGISTERED_MESSAGE)
        return redirect("accounts:login")
    return render(request, "accounts/register.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's sign-in page, with the per-address brake in front (accounts/throttle.py)."""

    template_name = "accounts/login.html"

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if address_throttled(request):
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)
