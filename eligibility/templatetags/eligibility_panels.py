"""The eligibility panel shown on the dossier page (filled by the eligibility app)."""

from django import template

register = template.Library()


@register.inclusion_tag("eligibility/_dossier_panel.html", takes_context=True)
def eligibility_dossier_panel(context, dossier):  # type: ignore[no-untyped-def]
    return {"dossier": dossier, "request": context.get("request")}
