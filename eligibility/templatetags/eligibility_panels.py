"""The eligibility panel shown on the dossier page (filled by the eligibility app)."""

from django import template

from eligibility.views import panel_context
from rounds.policy import clause_label

register = template.Library()


@register.inclusion_tag("eligibility/_dossier_panel.html", takes_context=True)
def eligibility_dossier_panel(context, dossier):
    return {**panel_context(dossier), "request": context.get("request")}


# Policy files cite the notice as "notice 五(一)12"; people read "通知五(一)12" (rounds.policy.clause_label).
register.filter("clause_zh", clause_label)
