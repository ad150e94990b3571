"""Pages of the eligibility app: the live self-check fragment of the dossier page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from accounts.auth import signed_in_user
from dossiers.models import Dossier
from eligibility.selectors import dossier_self_check
from workflow.scope import dossier_visible_to


def panel_context(dossier: Dossier) -> dict[str, object]:
    return {"dossier": dossier, "result": dossier_self_check(dossier)}


@login_required
@require_GET
def dossier_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-check panel's body, fetched by htmx on load and after every save (`dossier-saved`)."""
    dossier = get_object_or_404(
        Dossier.objects.select_related("round", "unit", "unit__registration_county", "unit__parent"), pk=pk
    )
    if not dossier_visible_to(signed_in_user(request), dossier):
        raise Http404
    return render(request, "eligibility/_panel_body.html", panel_context(dossier))
