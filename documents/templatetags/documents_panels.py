"""The documents panel shown on the dossier page (filled by the documents app)."""

from django import template

register = template.Library()


@register.inclusion_tag("documents/_dossier_panel.html", takes_context=True)
def documents_dossier_panel(context, dossier):  # type: ignore[no-untyped-def]
    return {"dossier": dossier, "request": context.get("request")}
