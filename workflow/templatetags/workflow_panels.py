"""The workflow panel shown on the dossier page (filled by the workflow app)."""

from django import template

register = template.Library()


@register.inclusion_tag("workflow/_dossier_panel.html", takes_context=True)
def workflow_dossier_panel(context, dossier):  # type: ignore[no-untyped-def]
    return {"dossier": dossier, "request": context.get("request")}
