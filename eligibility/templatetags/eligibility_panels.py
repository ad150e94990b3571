"""The eligibility panel shown on the dossier page (filled by the eligibility app)."""

from django import template

from eligibility.views import panel_context

register = template.Library()


@register.inclusion_tag("eligibility/_dossier_panel.html", takes_context=True)
def eligibility_dossier_panel(context, dossier):  # type: ignore[no-untyped-def]
    return {**panel_context(dossier), "request": context.get("request")}
