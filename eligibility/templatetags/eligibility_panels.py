"""The eligibility panel shown on the dossier page (filled by the eligibility app)."""

from django import template

from eligibility.views import panel_context

register = template.Library()


@register.inclusion_tag("eligibility/_dossier_panel.html", takes_context=True)
def eligibility_dossier_panel(context, dossier):
    return {**panel_context(dossier), "request": context.get("request")}


@register.filter
def clause_zh(clause: str) -> str:
    """Policy files cite the notice as "notice 五(一)12"; people read "通知五(一)12"."""
    return str(clause).replace("notice ", "通知").replace("our reading", "本平台解读")
