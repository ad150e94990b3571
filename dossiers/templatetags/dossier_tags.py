"""`{% load dossier_tags %}`: read-only rendering of a dossier for reviewers' pages and submitted dossiers."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from dossiers.display import section_display
from dossiers.models import Dossier
from dossiers.sections import doc_type_label, is_unit_record
from dossiers.selectors import attachments_by_section, section_data

register = template.Library()


@register.inclusion_tag("dossiers/_readonly.html")
def dossier_readonly(dossier: Dossier) -> dict[str, Any]:
    """All sections in the notice's order, their values and attachment thumbnails."""
    data = section_data(dossier)
    attachments = attachments_by_section(dossier)
    sections = []
    for meta in dossier.round.policy.sections:
        key = meta["key"]
        sections.append(
            {
                "key": key,
                "number": meta["number"],
                "title": meta["title"],
                "display": section_display(key, data.get(key)),
                "attachments": [
                    {
                        "pk": a.pk,
                        "label": doc_type_label(key, a.doc_type)
                        + (_(" (uploaded by the recommending unit)") if is_unit_record(key, a.doc_type) else ""),
                    }
                    for a in attachments.get(key, [])
                ],
            }
        )
    return {"dossier": dossier, "sections": sections}


@register.inclusion_tag("dossiers/_section_readonly.html")
def dossier_section_readonly(dossier: Dossier, key: str) -> dict[str, Any]:
    return {"display": section_display(key, section_data(dossier).get(key))}
