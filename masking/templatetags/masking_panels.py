"""The masking panel shown on the dossier page (filled by the masking app)."""

from django import template

register = template.Library()


@register.inclusion_tag("masking/_dossier_panel.html", takes_context=True)
def masking_dossier_panel(context, dossier):  # type: ignore[no-untyped-def]
    return {"dossier": dossier, "request": context.get("request")}
