"""Pure rules of the committee stage (no database): the 2/3 thresholds, the seeded draw, defence scores.

Everything here takes plain values so tests state a case in one line, and so a draw can be replayed from its
record alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from core.errors import ValidationFailed


def at_least_share(count: int, total: int, ratio: Fraction) -> bool:
    """count ≥ ratio × total, exactly (人社部令第40号 says 三分之二以上, which includes 2/3 itself)."""
    return Fraction(count) >= ratio * total


def needed_for_share(total: int, ratio: Fraction) -> int:
    """The smallest count that reaches ratio × total (for messages: "需至少 N 人")."""
    return math.ceil(ratio * total)


def quorum_met(*, members: int, present: int, ratio: Fraction) -> bool:
    """A meeting is valid only when ≥ ratio of the committee's members attend (and it has members)."""
    return members > 0 and at_least_share(present, members, ratio)


def vote_passes(*, present: int, yes: int, ratio: Fraction) -> bool:
    """A dossier passes with yes votes ≥ ratio of the experts present."""
    return present > 0 and at_least_share(yes, present, ratio)


# --- the seeded draw --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawOutcome:
    drawn: list[int]
    # (candidate id, why it was skipped), in the order the shuffle reached them
    skipped: list[tuple[int, str]] = field(default_factory=list)


def shuffled(candidates: Sequence[int], seed: str) -> list[int]:
    """The candidates in the order `random.Random(seed)` deals them (candidates sorted first, so the record's
    list and the seed are all a replay needs)."""
    ordered = sorted(candidates)
    random.Random(seed).shuffle(ordered)
    return ordered


def draw(
    candidates: Sequence[int], *, seed: str, size: int, skip_reason: Callable[[int], str | None] | None = None
) -> DrawOutcome:
    """Deal candidates in seeded order, skipping those with a reason (recusal), until `size` are drawn."""
    drawn: list[int] = []
    skipped: list[tuple[int, str]] = []
    for candidate in shuffled(candidates, seed):
        if len(drawn) == size:
            break
        reason = skip_reason(candidate) if skip_reason else None
        if reason:
            skipped.append((candidate, reason))
        else:
            drawn.append(candidate)
    if len(drawn) < size:
        raise ValidationFailed(
            f"可抽取的专家不足：需要 {size} 人，回避后只有 {len(drawn)} 人。",
            details={"needed": size, "available": len(drawn), "skipped": len(skipped)},
        )
    return DrawOutcome(drawn=drawn, skipped=skipped)


# --- defence scores (notice 六) -----------------------------------------------------------------------------

TWO_PLACES = Decimal("0.01")


def sheet_total(sheet: Sequence[dict[str, Any]], items: dict[str, Any]) -> Decimal:
    """The total of one score sheet; every item of the policy's sheet is required and within 0..max."""
    unknown = set(items) - {row["key"] for row in sheet}
    if unknown:
        raise ValidationFailed(
            f"评分表中没有这些评分项：{'、'.join(sorted(unknown))}", details={"items": sorted(unknown)}
        )
    total = Decimal(0)
    for row in sheet:
        try:
            points = Decimal(str(items[row["key"]]))
        except (KeyError, ArithmeticError) as exc:
            raise ValidationFailed(
                f"请填写“{row['label']}”的得分（0—{row['max']}）。", details={"item": row["key"]}
            ) from exc
        if not 0 <= points <= Decimal(str(row["max"])):
            raise ValidationFailed(f"“{row['label']}”的得分应在 0—{row['max']} 之间。", details={"item": row["key"]})
        total += points
    return total


def average(values: Iterable[Decimal]) -> Decimal | None:
    """Mean rounded to 2 places (half up), None for no values."""
    values = list(values)
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
