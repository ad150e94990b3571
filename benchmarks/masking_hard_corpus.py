"""Hard pages for name masking: where a reader sees the name but a plain OCR reading may not.

One generator per category — vertical text, a name broken over two lines of running text, a name spaced
with full-width spaces, a name under a red or a blue seal, tiny print among look-alike names, a faint
photocopy, and pages scanned sideways or upside down. Ground truth (every occurrence of the name, every
other character) is in the UPRIGHT page's coordinates: detection must turn the page upright first.

    .venv/bin/python benchmarks/masking_hard_corpus.py [--per-category 6] [--seed 11] [--out DIR]

prints recall per category (a name counts when ≥ 95 % of its box is covered) and the share of other
text covered; tests/masking/test_hard_pages.py runs one page per category.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from PIL import Image, ImageFilter

from demo.corpus import (
    SPECIALTIES,
    UNITS,
    Canvas,
    Sample,
    Score,
    SealShape,
    TextBox,
    draw_seal,
    id_number_for,
    score,
)

PAGE = (860, 620)
# Two- and three-character Han names only: the categories test where the name is, not its script.
SURNAMES = "李王张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐韩冯"
GIVEN = "建国伟芳秀英敏静强磊军洋勇艳杰涛明超霞平刚华玉兰红志新海燕宁波亮辉东雪梅春成文斌浩宇博"
# Characters a look-alike name swaps in (same surname, near-identical given names).
LOOKALIKE = {"建": "健", "国": "围", "伟": "传", "明": "朋", "玉": "王", "李": "季", "王": "玉", "文": "又"}


def hard_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2 if rng.random() < 0.8 else 1))


def lookalikes(name: str, rng: random.Random, count: int) -> list[str]:
    """Other people whose names differ from the applicant's by one character."""
    result: list[str] = []
    while len(result) < count:
        i = rng.randrange(len(name))
        swap = LOOKALIKE.get(name[i]) or rng.choice(GIVEN)
        other = name[:i] + swap + name[i + 1 :]
        if other != name and other not in result:
            result.append(other)
    return result


def _new(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    canvas = Canvas(*PAGE, rng)
    sample = Sample(
        doc_type="", name=name, id_number=id_number_for(rng), phone="13" + str(rng.randint(10**8, 10**9 - 1))
    )
    return canvas, sample


def _header(c: Canvas, title: str, size: int = 34) -> None:
    c.write((PAGE[0] - c.text_width(title, size)) / 2, 26, [("text", title)], size)


def _filler(c: Canvas, rng: random.Random, y: float, size: int = 22) -> None:
    lines = [
        f"工作单位：{rng.choice(UNITS)}",
        f"专业：{rng.choice(SPECIALTIES)}    资格名称：工程师",
        f"发证日期：{rng.randint(2015, 2022)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
    ]
    for line in lines:
        c.write(70, y, [("text", line)], size)
        y += size * 2


def page_vertical(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    """The name written top to bottom, as in a vertical signature column or a traditional certificate."""
    c, sample = _new(rng, name)
    _header(c, "荣誉证书")
    _filler(c, rng, 110)
    size = rng.randint(30, 40)
    x, y = PAGE[0] * rng.uniform(0.7, 0.82), 250.0
    for ch in "获奖人":
        c.write(x, y, [("text", ch)], size)
        y += size * 1.15
    y += size * 0.6
    boxes = []
    for ch in name:
        before = len(c.spans)
        c.write(x, y, [("name", ch)], size)
        boxes.append(c.spans.pop(before)[2])
        y += size * 1.15
    c.spans.append(("name", name, [min(b[0] for b in boxes), boxes[0][1], max(b[2] for b in boxes), boxes[-1][3]]))
    return c, sample


def page_two_lines(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    """Running text where the line break falls inside the name ("…职工李" / "建国同志…")."""
    c, sample = _new(rng, name)
    _header(c, "工作证明")
    size = rng.randint(24, 30)
    left, width = 70.0, PAGE[0] - 140.0
    split = rng.randint(1, len(name) - 1)
    lead = "兹证明我单位公路养护技术骨干"
    y = 120.0
    # Fill the first line so that the first part of the name ends it.
    x = c.write(left, y, [("text", lead)], size)
    pad = "，长期从事道路桥梁养护及工程管理工作的职工"
    for ch in pad:
        if x + c.text_width(ch + name[:split], size) > left + width:
            break
        x = c.write(x, y, [("text", ch)], size)
    boxes = []
    before = len(c.spans)
    c.write(x, y, [("name", name[:split])], size)
    boxes.append(c.spans.pop(before)[2])
    y += size * 1.7
    before = len(c.spans)
    x = c.write(left, y, [("name", name[split:])], size)
    boxes.append(c.spans.pop(before)[2])
    c.write(x, y, [("text", "同志自2016年7月起在我单位工作至今。")], size)
    for box in boxes:  # each part of the broken name must be covered
        c.spans.append(("name", name, box))
    _filler(c, rng, y + size * 2.5, 22)
    return c, sample


def page_fullwidth_spaced(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    """姓名：李　建　国 — full-width spaces between the characters, as typists align short names."""
    c, sample = _new(rng, name)
    _header(c, "专业技术职务任职资格证书")
    size = rng.randint(26, 34)
    c.write(80, 120, [("text", "姓　　名："), ("name", "\u3000".join(name))], size)
    c.write(80, 120 + size * 2, [("text", "性　　别：" + rng.choice("男女"))], size)
    _filler(c, rng, 120 + size * 4)
    return c, sample


def _seal(c: Canvas, rng: random.Random, over: list[int], colour: tuple[int, int, int]) -> None:
    """An official seal stamped squarely over the name: ring, star and unit name in coloured ink."""
    cx, cy = (over[0] + over[2]) / 2 + rng.uniform(-20, 20), (over[1] + over[3]) / 2 + rng.uniform(-15, 15)
    radius = rng.uniform(85, 110)
    ink = (colour[0], colour[1], colour[2], rng.randint(150, 200))
    shape = SealShape(cx, cy, radius, ring=7, star=0.32, font=0.27, text_radius=0.74, first=210, step=26)
    draw_seal(c, shape, ink, "巴州交通运输局专用章")


def _sealed(colour: tuple[int, int, int]) -> Callable[[random.Random, str], tuple[Canvas, Sample]]:
    def build(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
        c, sample = _new(rng, name)
        _header(c, "荣誉证书", 44)
        size = rng.randint(34, 46)
        c.write(120, 130, [("name", name), ("text", " 同志：")], size)
        c.write(150, 130 + size * 1.8, [("text", "在2022年度公路养护工作中成绩突出，")], 24)
        c.write(120, 130 + size * 1.8 + 44, [("text", "被评为先进工作者。特发此证，以资鼓励。")], 24)
        _filler(c, rng, 360)
        _seal(c, rng, c.spans[0][2], colour)
        return c, sample

    return build


def page_tiny_lookalikes(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    """A dense register in 12-14 px print: the applicant once or twice among names one character off."""
    c, sample = _new(rng, name)
    _header(c, "继续教育学时登记表", 26)
    size = rng.randint(12, 14)
    others = lookalikes(name, rng, 10)
    rows = 18
    mine = set(rng.sample(range(rows), 2))
    y = 80.0
    for r in range(rows):
        person = name if r in mine else others[r % len(others)]
        kind = "name" if r in mine else "text"
        x = c.write(60, y, [("text", f"{r + 1:02d}  ")], size)
        x = c.write(x + 10, y, [(kind, person)], size)
        c.write(
            x + 30,
            y,
            [("text", f"{rng.choice(UNITS)}  {rng.choice(SPECIALTIES)}  公需课 30 学时  专业课 60 学时")],
            size,
        )
        y += size * 2.0
    return c, sample


def page_faint_photocopy(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    """A pale, grey, speckled photocopy of a certificate: low contrast everywhere."""
    c, sample = page_fullwidth_spaced(rng, name) if rng.random() < 0.3 else _certificate(rng, name)
    array = np.asarray(c.image.convert("L")).astype(np.float32)
    # Compress the ink/paper range to a pale band (ink ~ 165-185, paper ~ 215-225) and add toner noise.
    low, high = rng.uniform(160, 185), rng.uniform(212, 226)
    array = low + (array / 255.0) * (high - low)
    array += np.random.default_rng(rng.randrange(1 << 30)).normal(0, 6, array.shape)
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    c.image = image.convert("RGB")
    return c, sample


def _certificate(rng: random.Random, name: str) -> tuple[Canvas, Sample]:
    c, sample = _new(rng, name)
    _header(c, "专业技术职务任职资格证书")
    size = rng.randint(24, 32)
    c.write(80, 120, [("text", "姓名："), ("name", name), ("text", "    性别：" + rng.choice("男女"))], size)
    _filler(c, rng, 120 + size * 2.5)
    return c, sample


CATEGORIES: dict[str, Callable[[random.Random, str], tuple[Canvas, Sample]]] = {
    "vertical": page_vertical,
    "two_lines": page_two_lines,
    "fullwidth_spaced": page_fullwidth_spaced,
    "red_seal": _sealed((205, 30, 30)),
    "blue_seal": _sealed((30, 60, 200)),
    "tiny_lookalikes": page_tiny_lookalikes,
    "faint_photocopy": page_faint_photocopy,
    "sideways_90": _certificate,
    "upside_down": _certificate,
    "sideways_270": _certificate,
}
# How each category is scanned: degrees the page was turned counter-clockwise (0 = upright).
SCAN_ROTATION = {"sideways_90": 90, "upside_down": 180, "sideways_270": 270}


@dataclass
class HardPage:
    category: str
    scanned: Image.Image  # what the applicant uploads
    upright: Image.Image  # the page as printed
    sample: Sample  # ground truth in the upright page's coordinates


def generate(category: str, rng: random.Random, name: str | None = None) -> HardPage:
    name = name or hard_name(rng)
    canvas, sample = CATEGORIES[category](rng, name)
    sample.doc_type = category
    for kind, text, box in canvas.spans:
        (sample.names if kind == "name" else sample.identifiers).append(TextBox(text, list(box)))
    sample.other = [TextBox(ch, box) for ch, box in canvas.other_chars]
    upright = canvas.image
    rotation = SCAN_ROTATION.get(category, 0)
    scanned = upright.rotate(rotation, expand=True) if rotation else upright
    return HardPage(category, scanned, upright, sample)


def hard_pages(per_category: int, seed: int) -> list[HardPage]:
    rng = random.Random(seed)
    return [generate(category, rng) for _ in range(per_category) for category in CATEGORIES]


def main() -> None:
    from masking.detection import Identifiers, detect, ocr_engine

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-category", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, help="also write the scanned pages here")
    args = parser.parse_args()
    ocr_engine()
    totals: dict[str, Score] = {}
    seconds = 0.0
    pages = hard_pages(args.per_category, args.seed)
    for i, page in enumerate(pages):
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            page.scanned.save(args.out / f"{i:03d}_{page.category}.jpg", quality=90)
        started = time.perf_counter()
        detection = detect(page.scanned, Identifiers.build(names=[page.sample.name]))
        seconds += time.perf_counter() - started
        upright_size = detection.upright.size if detection.upright is not None else page.scanned.size
        part = score(page.sample, detection.boxes, page.upright.size) if upright_size == page.upright.size else None
        if part is None:  # left sideways: nothing lands where the names are
            part = score(page.sample, [], page.upright.size)
        totals.setdefault(page.category, Score()).add(part)
    overall = Score()
    print(f"{'category':<18} recall        other text covered")
    for category, part in [*totals.items(), ("all", overall)]:
        if category != "all":
            overall.add(part)
        found = f"({part.names_masked}/{part.names_total})"
        print(f"{category:<18} {part.recall:6.1%} {found:<9} {part.other_covered_share:.2%}")
    print(f"{len(pages)} pages, {seconds / len(pages):.2f} s/page")


if __name__ == "__main__":
    main()
