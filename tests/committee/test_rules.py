"""The committee's pure rules: the 2/3 shares of 人社部令第40号 at their edges, the seeded draw, score sheets."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from committee.rules import average, draw, needed_for_share, quorum_met, sheet_total, shuffled, vote_passes
from core.errors import ValidationFailed

TWO_THIRDS = Fraction(2, 3)


@pytest.mark.parametrize(
    ("members", "present", "met"),
    [(9, 6, True), (9, 5, False), (10, 7, True), (10, 6, False), (11, 8, True), (11, 7, False), (0, 0, False)],
)
def test_quorum_is_two_thirds_of_members_and_one_short_fails(members, present, met):
    assert quorum_met(members=members, present=present, ratio=TWO_THIRDS) is met


@pytest.mark.parametrize(
    ("present", "yes", "passes"),
    [(9, 6, True), (9, 5, False), (7, 5, True), (7, 4, False), (8, 6, True), (8, 5, False), (3, 2, True)],
)
def test_pass_needs_yes_from_two_thirds_of_present_and_one_short_fails(present, yes, passes):
    assert vote_passes(present=present, yes=yes, ratio=TWO_THIRDS) is passes
    assert needed_for_share(present, TWO_THIRDS) == (yes if passes else yes + 1)


def test_seeded_draw_is_reproducible_and_skips_with_reasons():
    candidates = list(range(1, 21))
    first = draw(candidates, seed="abc", size=5, skip_reason=lambda c: "同一单位" if c % 2 == 0 else None)
    again = draw(
        list(reversed(candidates)), seed="abc", size=5, skip_reason=lambda c: "同一单位" if c % 2 == 0 else None
    )
    assert first == again
    assert all(c % 2 == 1 for c in first.drawn)
    assert all(reason == "同一单位" and c % 2 == 0 for c, reason in first.skipped)
    # The drawn and skipped are exactly the shuffled order's prefix up to the fifth drawn expert.
    order = shuffled(candidates, "abc")
    prefix = order[: order.index(first.drawn[-1]) + 1]
    assert sorted(prefix) == sorted(first.drawn + [c for c, _ in first.skipped])
    assert draw(candidates, seed="xyz", size=5).drawn != draw(candidates, seed="abc", size=5).drawn


def test_draw_refuses_when_recusal_leaves_too_few():
    with pytest.raises(ValidationFailed, match="可抽取的专家不足"):
        draw([1, 2, 3, 4], seed="s", size=3, skip_reason=lambda c: "回避" if c < 3 else None)


SHEET = [{"key": "a", "label": "甲", "max": 60}, {"key": "b", "label": "乙", "max": 40}]


def test_sheet_total_checks_every_item_and_its_range():
    assert sheet_total(SHEET, {"a": 55, "b": "30.5"}) == Decimal("85.5")
    with pytest.raises(ValidationFailed, match="乙"):
        sheet_total(SHEET, {"a": 55})
    with pytest.raises(ValidationFailed, match="0—40"):
        sheet_total(SHEET, {"a": 55, "b": 41})
    with pytest.raises(ValidationFailed, match="没有这些评分项"):
        sheet_total(SHEET, {"a": 1, "b": 1, "c": 1})


def test_average_rounds_half_up_and_is_none_for_nobody():
    assert average([Decimal(80), Decimal("85.5"), Decimal(90)]) == Decimal("85.17")
    assert average([]) is None
