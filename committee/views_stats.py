"""Statistics pages for the office: a round's tables with CSS bar charts (no scripts, no CDN) and the
same figures as XLSX (committee.stats aggregates in SQL; committee.stats_export writes the file)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.auth import signed_in_user
from committee.stats import Row, round_statistics, statistics_rounds
from committee.stats_export import write_statistics
from core.errors import NotFound
from core.pages import refusals_shown
from rounds.models import Round

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bars(rows: list[Row]) -> list[dict[str, object]]:
    """Each row with its bar width (share of the largest group) and pass-rate bar, for the CSS chart."""
    top = max((r.total for r in rows), default=0) or 1
    return [{"row": r, "width": round(100 * r.total / top), "rate": round(100 * (r.pass_rate or 0))} for r in rows]


def _chosen_round(request: HttpRequest, slug: str | None) -> tuple[list[Round], Round | None]:
    rounds = list(statistics_rounds(signed_in_user(request)))
    if slug is None:
        return rounds, rounds[0] if rounds else None
    chosen = next((r for r in rounds if r.slug == slug), None)
    if chosen is None:
        raise NotFound(_("No statistics for such a round."))
    return rounds, chosen


@login_required
@require_GET
@refusals_shown()
def stats_page(request: HttpRequest) -> HttpResponse:
    rounds, chosen = _chosen_round(request, request.GET.get("round") or None)
    context: dict[str, object] = {"rounds": rounds, "chosen": chosen}
    if chosen is not None:
        stats = round_statistics(signed_in_user(request), chosen)
        context["stats"] = stats
        context["tables"] = [(title, _bars(rows)) for title, rows in stats.tables()]
    return render(request, "committee/stats/page.html", context)


@login_required
@require_GET
@refusals_shown()
def stats_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    _, chosen = _chosen_round(request, slug)
    assert chosen is not None  # a named slug is found or refused
    buffer = io.BytesIO()
    write_statistics(round_statistics(signed_in_user(request), chosen), buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="statistics-{chosen.slug}.xlsx"'
    return response
