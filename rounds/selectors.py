from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from rounds.models import Round


def round_get(slug: str) -> Round:
    return Round.objects.get(slug=slug)


def rounds_all() -> QuerySet[Round]:
    return Round.objects.all()


def rounds_open_for_filing() -> list[Round]:
    today = timezone.localdate()
    return [r for r in Round.objects.all() if r.policy.window("online_filing").contains(today)]
