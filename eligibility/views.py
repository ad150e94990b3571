"""Pages of the eligibility app: the live self-check fragment of the dossier page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.auth import signed_in_user
from core.pages import refusals_shown
from dossiers.access import visible_dossier
from dossiers.models import Dossier
from eligibility.selectors import dossier_self_check


def panel_context(dossier: Dossier) -> dict[str, object]:
    return {"dossier": dossier, "result": dossier_self_check(dossier)}


@login_required
@require_GET
@refusals_shown(page=True)
def dossier_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-check panel's body, fetched by htmx on load and after every save (`dossier-saved`)."""
    dossier = visible_dossier(signed_in_user(request), pk)
    return render(request, "eligibility/_panel_body.html", panel_context(dossier))
