from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import MD5
from django.utils import timezone

from rounds.models import Round


def round_get(slug: str) -> Round:
    return Round.objects.get(slug=slug)


def rounds_all() -> QuerySet[Round]:
    return Round.objects.all()


def rounds_open_for_filing() -> list[Round]:
    today = timezone.localdate()
    return [r for r in Round.objects.all() if r.policy.window("online_filing").contains(today)]


# A policy text's digest → its committee line. Every page's footer lists the committees; decoding every
# round's policy on every request grows with the rounds loaded (each series, region and year is one).
_COMMITTEE_LINES: dict[str, str] = {}


def _policy_digest() -> MD5:
    return MD5("policy_data", output_field=CharField())  # a str: not decoded as the field's JSON


def round_digests() -> list[tuple[int, str]]:
    """(id, MD5 of the policy text) of every loaded round, in the rounds' order (computed by the database)."""
    return list(Round.objects.annotate(digest=_policy_digest()).values_list("pk", "digest"))


def round_committees(digests: list[tuple[int, str]] | None = None) -> list[str]:
    """One line per committee whose rounds are loaded, e.g. "巴音郭楞蒙古自治州 · 工程系列公路与运输专业职称评审".

    From each round's policy digest (`digests`: round_digests(), read here when not given); a policy is decoded
    only the first time this process meets its text, so a changed policy is read again and a line is never
    stale."""
    digests = round_digests() if digests is None else digests
    unseen = [pk for pk, text_digest in digests if text_digest not in _COMMITTEE_LINES]
    if unseen:
        if len(_COMMITTEE_LINES) > 10_000:  # policies replaced many times over in one process: start again
            _COMMITTEE_LINES.clear()
        for r in Round.objects.filter(pk__in=unseen).annotate(digest=_policy_digest()):
            _COMMITTEE_LINES[r.digest] = r.policy.committee_line
    lines = (_COMMITTEE_LINES.get(text_digest, "") for _, text_digest in digests)
    return list(dict.fromkeys(line for line in lines if line))


def round_default() -> Round | None:
    """The round a request means when it names none: the one open for filing (a real round before a demo
    copy, then the latest opened), else the newest loaded round; None when no round is loaded."""
    open_rounds = rounds_open_for_filing()
    if open_rounds:
        return max(open_rounds, key=lambda r: (not r.is_demo, r.policy.window("online_filing").start))
    return Round.objects.first()


def rounds_by_id(ids: Iterable[int], *, known: Iterable[Round] = ()) -> dict[int, Round]:
    """The rounds of these ids by id: those in `known` (loaded already by the caller) as they are, the others
    read in one query."""
    wanted = set(ids)
    rounds = {r.pk: r for r in known if r.pk in wanted}
    missing = wanted - rounds.keys()
    if missing:
        rounds.update(Round.objects.in_bulk(missing))
    return rounds


def share_rounds(objects: Iterable[Any], *, attr: str = "round", known: Iterable[Round] = ()) -> None:
    """Give every object (a dossier, a meeting…) the one Round instance of its `<attr>_id`, loaded once.

    A list loaded with select_related("round") holds a Round per row, each decoding the policy's JSON again;
    here each round is read and decoded once for the whole list (its `policy` is cached on the instance).
    `known`: rounds the caller has loaded already; only the others are read."""
    items = list(objects)
    rounds = rounds_by_id((getattr(o, f"{attr}_id") for o in items), known=known)
    for o in items:
        setattr(o, attr, rounds[getattr(o, f"{attr}_id")])
