"""Template helpers of the committee pages, and the committee's part of the applicant's dossier page
(the dossiers app's template asks for it by tag, so dossiers never imports committee)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from accounts.models import User
from committee.models import Certificate, RecheckRequest, ResultsPublicity, VoteCount
from committee.results import recheck_request_check
from committee.stage import VOTED
from core.errors import DomainError
from dossiers.models import Dossier

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.inclusion_tag("committee/_applicant_outcome.html")
def committee_outcome(dossier: Dossier, user: User) -> dict[str, Any]:
    """The outcome as the applicant may see it once counted, the results publicity, and the re-check form
    while the publicity runs (the step's own check decides whether the form is offered)."""
    # The state first: most dossiers on this page are not voted on yet, and then nothing needs reading.
    if dossier.status not in (*VOTED, "certificate_issued"):
        return {"show": False}
    count = VoteCount.objects.filter(dossier=dossier).order_by("-counted_at").first()
    if count is None:
        return {"show": False}
    publicity = ResultsPublicity.objects.filter(round=dossier.round).order_by("-starts_on", "-id").first()
    can_request = False
    if publicity is not None and publicity.confirmed_at is None:
        try:
            recheck_request_check(user, publicity, dossier, today=timezone.localdate())
            can_request = True
        except DomainError:
            pass  # outside the period, already requested, or not the applicant: no form
    return {
        "show": True,
        "dossier": dossier,
        "passed": count.passed,
        "publicity": publicity,
        "rechecks": RecheckRequest.objects.filter(dossier=dossier).order_by("requested_at"),
        "can_request": can_request,
        "certificate": Certificate.objects.filter(dossier=dossier).first(),
    }
