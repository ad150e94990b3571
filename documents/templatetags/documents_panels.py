"""The documents panel shown on the dossier page: the downloads this viewer may have for this dossier."""

from django import template

from documents.selectors import dossier_downloads

register = template.Library()


@register.inclusion_tag("documents/_dossier_panel.html", takes_context=True)
def documents_dossier_panel(context, dossier):
    request = context.get("request")
    user = getattr(request, "user", None)
    downloads = dossier_downloads(user, dossier) if user is not None else {"visible": False}
    return {"dossier": dossier, "request": request, "downloads": downloads}
