"""The workflow panel on the dossier page, and the per-section return reasons the section forms show."""

from __future__ import annotations

from typing import Any

from django import template

from workflow import selectors
from workflow.services import recommendation_opinion

register = template.Library()


@register.inclusion_tag("workflow/_dossier_panel.html", takes_context=True)
def workflow_dossier_panel(context, dossier):
    info = selectors.open_return(dossier)
    reasons = _reasons_by_section(dossier, info)
    # Submission snapshots, the unit's publicity files and its opinion all come after a first submission: a
    # dossier never submitted (most of them on the last days of filing) has none to read.
    submitted = dossier.submission_count > 0
    return {
        "dossier": dossier,
        "request": context.get("request"),
        "history": selectors.dossier_history(dossier),
        "open_return": info,
        "return_reasons": reasons,
        "diff_count": dossier.submissions.count() if submitted else 0,
        "documents": selectors.publicity_documents(dossier) if submitted else [],
        "opinion": _opinion(dossier) if submitted else None,
    }


def _reasons_by_section(dossier: Any, info: selectors.ReturnInfo | None) -> list[dict[str, Any]]:
    titles = {s["key"]: s for s in dossier.round.policy.sections}
    reasons = []
    for key, texts in (info.by_section if info else {}).items():
        section = titles.get(key, {"title": "其他", "number": 99})
        reasons.append({"key": key, "number": section["number"], "title": section["title"], "reasons": texts})
    return sorted(reasons, key=lambda r: r["number"])


@register.simple_tag
def open_return_summary(dossier: Any) -> dict[str, Any]:
    """`{% open_return_summary dossier as ret %}`: the open return's reasons by section (for the applicant's
    page: reasons first, the section navigation marks returned sections); empty when nothing is returned."""
    info = selectors.open_return(dossier)
    reasons = _reasons_by_section(dossier, info)
    return {"open_return": info, "reasons": reasons, "keys": [r["key"] for r in reasons]}


def _opinion(dossier: Any) -> str | None:
    return recommendation_opinion(dossier)


@register.inclusion_tag("workflow/_return_reasons.html")
def return_reasons(dossier, section_key):
    """`{% return_reasons dossier "basic_info" %}`: this section's reasons of the open return (or nothing)."""
    if getattr(dossier, "pk", None) is None:  # a fragment rendered without its dossier shows nothing
        return {"reasons": [], "open_return": None, "section_key": section_key}
    info = selectors.open_return(dossier)
    return {
        "reasons": selectors.return_reasons_for_section(dossier, section_key),
        "open_return": info,
        "section_key": section_key,
    }
