"""The masking panel shown on the dossier page."""

from django import template

from masking.selectors import MaskingSummary, masking_summary

register = template.Library()


@register.inclusion_tag("masking/_dossier_panel.html", takes_context=True)
def masking_dossier_panel(context, dossier):  # type: ignore[no-untyped-def]
    return {"dossier": dossier, "request": context.get("request")}


@register.simple_tag
def masking_summary_for(dossier) -> MaskingSummary:  # type: ignore[no-untyped-def]
    return masking_summary(dossier)
