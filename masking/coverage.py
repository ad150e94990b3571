"""Whether the applicant's boxes cover what detection found (pure Python, no Django models).

A finding is one occurrence of an identifier on the page. Its padded `box` is what detection proposes;
its `core` is where the glyphs are: the applicant may move and shrink boxes down to the glyphs, but each
finding's core must stay covered unless they marked it "not my name".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from masking.detection import Box, Match

# Share of a finding's glyph area that must lie under the boxes (rounding of dragged boxes aside).
COVERED_SHARE = 0.97
# A match on the masked copy that lies this much inside a finding marked "not my name" is that finding.
SAME_PLACE_SHARE = 0.5

KIND_LABELS = {"name": "姓名", "id_number": "身份证号", "phone": "手机号"}


@dataclass(frozen=True)
class Finding:
    id: str
    kind: str
    box: Box
    core: Box
    exact: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "box": list(self.box), "core": list(self.core), "exact": self.exact}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        box = _box(data["box"])
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            box=box,
            core=_box(data.get("core") or box),
            exact=bool(data.get("exact", True)),
        )


def _box(values: Sequence[Any]) -> Box:
    x0, y0, x1, y1 = (int(v) for v in values)
    return (x0, y0, x1, y1)


def findings_from(matches: Sequence[Match]) -> list[Finding]:
    """One finding per match, numbered in reading order (the ids the applicant's marks refer to)."""
    ordered = sorted(matches, key=lambda m: (m.box[1], m.box[0], m.kind))
    return [
        Finding(id=f"f{i}", kind=m.kind, box=m.box, core=m.core or m.box, exact=m.exact)
        for i, m in enumerate(ordered, start=1)
    ]


def covered_share(target: Box, boxes: Sequence[Sequence[float]]) -> float:
    """Share of `target`'s area lying under the union of `boxes`."""
    x0, y0, x1, y1 = target
    width, height = max(0, x1 - x0), max(0, y1 - y0)
    if width == 0 or height == 0:
        return 1.0
    mask = np.zeros((height, width), dtype=bool)
    for bx0, by0, bx1, by1 in boxes:
        left, top = max(int(bx0), x0) - x0, max(int(by0), y0) - y0
        right, bottom = min(int(np.ceil(bx1)), x1) - x0, min(int(np.ceil(by1)), y1) - y0
        if right > left and bottom > top:
            mask[top:bottom, left:right] = True
    return float(mask.mean())


def uncovered(
    findings: Sequence[Finding], boxes: Sequence[Sequence[float]], not_mine: Mapping[str, str]
) -> list[Finding]:
    """The findings neither covered by `boxes` nor marked "not my name"."""
    return [f for f in findings if f.id not in not_mine and covered_share(f.core, boxes) < COVERED_SHARE]


def _overlap_share(inner: Box, outer: Box) -> float:
    ix = min(inner[2], outer[2]) - max(inner[0], outer[0])
    iy = min(inner[3], outer[3]) - max(inner[1], outer[1])
    area = max(1, (inner[2] - inner[0]) * (inner[3] - inner[1]))
    return max(0, ix) * max(0, iy) / area


def leaks_outside(matches: Sequence[Match], findings: Sequence[Finding], not_mine: Mapping[str, str]) -> list[Match]:
    """Matches read on the masked copy, except those that are a finding the applicant marked "not my
    name" (left visible on purpose; the office reviews those marks)."""
    excused = [f.box for f in findings if f.id in not_mine]
    return [m for m in matches if not any(_overlap_share(m.core or m.box, box) >= SAME_PLACE_SHARE for box in excused)]
