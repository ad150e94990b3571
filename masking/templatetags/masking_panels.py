"""The masking panel shown on the dossier page."""

from typing import Any

from django import template
from django.template.context import Context

from dossiers.models import Dossier
from masking.selectors import MaskingSummary, masking_summary

register = template.Library()


@register.inclusion_tag("masking/_dossier_panel.html", takes_context=True)
def masking_dossier_panel(context: Context, dossier: Dossier) -> dict[str, Any]:
    return {"dossier": dossier, "request": context.get("request")}


@register.simple_tag
def masking_summary_for(dossier: Dossier) -> MaskingSummary:
    return masking_summary(dossier)
