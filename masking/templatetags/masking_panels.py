"""The masking panel shown on the dossier page."""

from typing import Any

from django import template
from django.template.context import Context

from dossiers.models import Dossier
from masking.decisions import dossier_masking_decisions, is_office_for
from masking.selectors import MaskingSummary, masking_summary

register = template.Library()


@register.inclusion_tag("masking/_dossier_panel.html", takes_context=True)
def masking_dossier_panel(context: Context, dossier: Dossier) -> dict[str, Any]:
    return {"dossier": dossier, "request": context.get("request")}


@register.simple_tag
def masking_summary_for(dossier: Dossier) -> MaskingSummary:
    return masking_summary(dossier)


@register.inclusion_tag("masking/_office_panel.html", takes_context=True)
def masking_office_panel(context: Context, dossier: Dossier) -> dict[str, Any]:
    """For the prefecture office on its review page: how many masking decisions wait for it."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_office_for(user, dossier):
        return {"show": False}
    entries = dossier_masking_decisions(dossier)
    return {
        "show": True,
        "dossier": dossier,
        "marked": sum(len(e.marked) for e in entries),
        "leaks": sum(e.leak for e in entries),
        "to_look": sum(e.needs_office for e in entries),
    }
