from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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


def round_committees() -> list[str]:
    """One line per committee whose rounds are loaded, e.g. "巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审"."""
    lines = (r.policy.committee_line for r in Round.objects.all())
    return list(dict.fromkeys(line for line in lines if line))


def round_default() -> Round | None:
    """The round a request means when it names none: the one open for filing (a real round before a demo
    copy, then the latest opened), else the newest loaded round; None when no round is loaded."""
    open_rounds = rounds_open_for_filing()
    if open_rounds:
        return max(open_rounds, key=lambda r: (not r.is_demo, r.policy.window("online_filing").start))
    return Round.objects.first()


def share_rounds(objects: Iterable[Any], *, attr: str = "round") -> None:
    """Give every object (a dossier, a meeting…) the one Round instance of its `<attr>_id`, loaded once.

    A list loaded with select_related("round") holds a Round per row, each decoding the policy's JSON again;
    here each round is read and decoded once for the whole list (its `policy` is cached on the instance)."""
    items = list(objects)
    ids = {getattr(o, f"{attr}_id") for o in items}
    rounds = Round.objects.in_bulk(ids) if ids else {}
    for o in items:
        setattr(o, attr, rounds[getattr(o, f"{attr}_id")])
