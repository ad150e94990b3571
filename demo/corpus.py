"""Synthetic document images with ground truth, for tests and the masking benchmark.

Each sample is a Chinese document rendered with a CJK font — a title certificate, an award, an
assessment form with grid lines, a roster table, an ID-card front, a running-text certificate — with the
applicant's name in various sizes and places (sometimes spaced out "李 建 国"), other people's names
that share characters with it, and optionally photographed: rotated, blurred, noisy, darker, smaller,
JPEG-compressed. Ground truth records every name occurrence's box and every other character's box in
the final image's pixel coordinates.

    python -m demo.corpus OUT_DIR [--count N] [--seed S]   # writes img_0000.jpg + img_0000.json …
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
# A second CJK face where Debian has it (fonts-droid-fallback), for variety of glyph shapes.
EXTRA_FONTS = [p for p in ["/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"] if Path(p).exists()]

SURNAMES = "李王张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "建国伟芳秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉兰红志新海燕宁波亮辉晓东雪梅林琳春成文斌浩宇博"
MINORITY_NAMES = ["阿依古丽·买买提", "艾合买提·托合提", "古丽米拉·吐尔逊", "买买提江·艾力", "热依汗古丽·阿不都"]
UNITS = ["库尔勒交通建设工程有限公司", "且末县公路养护站", "巴音郭楞蒙古自治州公路管理局", "轮台县汽车运输有限责任公司"]
SPECIALTIES = ["公路与桥梁", "道路运输", "交通工程", "公路养护", "桥梁隧道"]
RESULTS = ["合格", "优秀", "基本合格"]


@dataclass
class TextBox:
    text: str
    box: list[int]


@dataclass
class Sample:
    doc_type: str
    name: str
    id_number: str
    phone: str
    # Every occurrence of the applicant's name (the unit of recall).
    names: list[TextBox] = field(default_factory=list)
    # Occurrences of the ID number and mobile number (covering them is wanted, not over-masking).
    identifiers: list[TextBox] = field(default_factory=list)
    # Every other printed character (what must stay visible).
    other: list[TextBox] = field(default_factory=list)
    photographed: bool = False


def random_name(rng: random.Random) -> str:
    if rng.random() < 0.1:
        return rng.choice(MINORITY_NAMES)
    given = "".join(rng.sample(GIVEN, 2 if rng.random() < 0.75 else 1))
    return rng.choice(SURNAMES) + given


def id_number_for(rng: random.Random) -> str:
    body = f"6528{rng.randint(1, 30):02d}{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def sharing_names(name: str, rng: random.Random, count: int) -> list[str]:
    """Other people's names and words that share characters with the applicant's name."""
    core = name.replace("·", "")
    result: list[str] = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.4 and len(core) >= 2:
            # Same surname, different given name.
            other = core[0] + "".join(rng.sample(GIVEN, len(core) - 1))
        elif kind < 0.7 and len(core) >= 2:
            # The given name inside another word.
            other = core[1:] + rng.choice(["路", "街", "大道", "小区"])
        else:
            other = random_name(rng)
        if other.replace("·", "") != core:
            result.append(other)
    return result


class Canvas:
    """A page that remembers where each character went."""

    def __init__(
        self,
        width: int,
        height: int,
        rng: random.Random,
        background: tuple[int, int, int] = (255, 255, 255),
        font_path: str = FONT_PATH,
    ):
        self.font_path = font_path
        self.image = Image.new("RGB", (width, height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.rng = rng
        self.fonts: dict[tuple[int, str], ImageFont.FreeTypeFont] = {}
        self.spans: list[tuple[str, str, list[int]]] = []  # (kind, text, box)
        self.other_chars: list[tuple[str, list[int]]] = []

    def font(self, size: int, path: str | None = None) -> ImageFont.FreeTypeFont:
        key = (size, path or self.font_path)
        if key not in self.fonts:
            self.fonts[key] = ImageFont.truetype(key[1], size)
        return self.fonts[key]

    def font_for(self, ch: str, size: int) -> ImageFont.FreeTypeFont:
        # Droid Sans Fallback has no Latin digits or middle dot: those come from the main face.
        if self.font_path != FONT_PATH and (ch.isascii() or ch == "·"):
            return self.font(size, FONT_PATH)
        return self.font(size)

    def text_width(self, text: str, size: int) -> float:
        return sum(self.font_for(ch, size).getlength(ch) for ch in text)

    def write(
        self,
        x: float,
        y: float,
        parts: Sequence[tuple[str, str]],
        size: int,
        fill: tuple[int, int, int] = (20, 20, 20),
    ) -> float:
        """Draw text parts left to right; each part is (kind, text), kind in {"text","name","id"}.
        Returns the x after the last character."""
        for kind, text in parts:
            start_boxes: list[list[int]] = []
            for ch in text:
                font = self.font_for(ch, size)
                if ch.strip():
                    bbox = self.draw.textbbox((x, y), ch, font=font)
                    self.draw.text((x, y), ch, font=font, fill=fill)
                    box = [int(bbox[0]), int(bbox[1]), math.ceil(bbox[2]), math.ceil(bbox[3])]
                    if kind == "text":
                        self.other_chars.append((ch, box))
                    else:
                        start_boxes.append(box)
                x += font.getlength(ch)
            if kind != "text" and start_boxes:
                union = [
                    min(b[0] for b in start_boxes),
                    min(b[1] for b in start_boxes),
                    max(b[2] for b in start_boxes),
                    max(b[3] for b in start_boxes),
                ]
                self.spans.append((kind, text, union))
        return x

    def line(self, xy: Sequence[float], width: int = 2) -> None:
        self.draw.line(list(xy), fill=(60, 60, 60), width=width)


def _name_parts(name: str, rng: random.Random, allow_spaced: bool = True) -> list[tuple[str, str]]:
    if allow_spaced and "·" not in name and rng.random() < 0.25:
        return [("name", " ".join(name))]
    return [("name", name)]


def _wrap_paragraph(
    canvas: Canvas, x0: float, y: float, width: float, parts: list[tuple[str, str]], size: int, leading: float
) -> float:
    """Write a paragraph, wrapping plain text at any character; names are never split across lines."""
    x = x0
    for kind, text in parts:
        if kind != "text":
            if x + canvas.text_width(text, size) > x0 + width:
                x, y = x0, y + size * leading
            x = canvas.write(x, y, [(kind, text)], size)
            continue
        for ch in text:
            if x + canvas.text_width(ch, size) > x0 + width:
                x, y = x0, y + size * leading
            x = canvas.write(x, y, [("text", ch)], size)
    return y + size * leading


def render_title_certificate(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    w, h = c.image.size
    title_size = rng.randint(40, 60)
    title = "专业技术职务任职资格证书"
    c.write((w - c.text_width(title, title_size)) / 2, h * 0.06, [("text", title)], title_size)
    size = rng.randint(22, 36)
    x, y = w * 0.12, h * 0.2
    rows: list[list[tuple[str, str]]] = [
        [("text", "姓名："), *_name_parts(name, rng)],
        [("text", "性别：" + rng.choice("男女") + "    民族：汉")],
        [("text", "身份证号："), ("id", id_number)],
        [("text", "资格名称：" + rng.choice(["工程师", "助理工程师"]))],
        [("text", "专业：" + rng.choice(SPECIALTIES))],
        [("text", "工作单位：" + rng.choice(UNITS))],
        [("text", "评审委员会：巴音郭楞蒙古自治州交通运输工程系列评审委员会")],
        [("text", f"发证日期：{rng.randint(2015, 2022)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")],
        [("text", f"证书编号：BZ{rng.randint(10**7, 10**8 - 1)}")],
    ]
    for row in rows:
        c.write(x, y, row, size)
        y += size * rng.uniform(1.8, 2.4)


def render_award(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    w, h = c.image.size
    title_size = rng.randint(56, 84)
    c.write((w - c.text_width("荣誉证书", title_size)) / 2, h * 0.08, [("text", "荣誉证书")], title_size)
    name_size = rng.randint(34, 64)
    y = h * 0.3
    x = c.write(w * 0.1, y, _name_parts(name, rng), name_size)
    c.write(x + 6, y + name_size - 32, [("text", "同志：")], 30)
    others = sharing_names(name, rng, 2)
    body = [
        (
            "text",
            f"在{rng.randint(2019, 2023)}年度公路养护工作中，与{others[0] if others else '王磊'}等同志"
            "一道成绩突出，被评为先进工作者。特发此证，以资鼓励。",
        ),
    ]
    size = rng.randint(24, 34)
    y = _wrap_paragraph(c, w * 0.14, y + name_size * 1.8, w * 0.74, body, size, 1.8)
    unit = rng.choice(UNITS)
    c.write(w * 0.5, y + size * 2, [("text", unit)], size)
    c.write(w * 0.55, y + size * 4, [("text", f"{rng.randint(2019, 2023)}年{rng.randint(1, 12)}月")], size)


def render_assessment_form(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    w, h = c.image.size
    title = f"{rng.randint(2020, 2023)}年度事业单位工作人员年度考核登记表"
    title_size = rng.randint(30, 40)
    c.write((w - c.text_width(title, title_size)) / 2, h * 0.04, [("text", title)], title_size)
    size = rng.randint(20, 28)
    left, right = int(w * 0.06), int(w * 0.94)
    top = int(h * 0.12)
    row_h = int(size * 2.4)
    cols = [left, left + (right - left) // 4, left + (right - left) // 2, left + 3 * (right - left) // 4, right]
    # A cell is one text part, or a list of parts (a name may be written spaced out).
    cells: list[list[tuple[str, str] | list[tuple[str, str]]]] = [
        [("text", "姓名"), _name_parts(name, rng), ("text", "性别"), ("text", rng.choice("男女"))],
        [
            ("text", "出生年月"),
            ("text", f"{rng.randint(1965, 2000)}.{rng.randint(1, 12):02d}"),
            ("text", "政治面貌"),
            ("text", rng.choice(["中共党员", "群众"])),
        ],
        [("text", "手机号码"), ("id", phone), ("text", "考核结果"), ("text", rng.choice(RESULTS))],
    ]
    y: float = top
    for row in cells:
        for i, cell in enumerate(row):
            parts = cell if isinstance(cell, list) else [cell]
            c.write(cols[i] + 10, y + (row_h - size) / 2, parts, size)
        y += row_h
    for i in range(len(cells) + 1):
        c.line((left, top + i * row_h, right, top + i * row_h))
    for x in cols:
        c.line((x, top, x, top + len(cells) * row_h))
    others = sharing_names(name, rng, 1)
    summary = [
        ("text", "个人总结：本人"),
        *_name_parts(name, rng, allow_spaced=False),
        (
            "text",
            f"，现任{rng.choice(['助理工程师', '工程师'])}，本年度认真履行岗位职责，配合"
            f"{others[0] if others else '张伟'}同志完成{rng.choice(SPECIALTIES)}项目的技术管理工作，"
            "遵守纪律，团结同事。",
        ),
    ]
    y = _wrap_paragraph(c, left + 10, y + size, right - left - 20, summary, size, 1.9)
    c.write(w * 0.55, y + size * 2, [("text", "单位负责人签字：")], size)


def render_roster(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    w, h = c.image.size
    title = "申报人员花名册"
    c.write((w - c.text_width(title, 40)) / 2, h * 0.04, [("text", title)], 40)
    size = rng.randint(18, 26)
    headers = ["序号", "姓名", "性别", "工作单位", "现任职务"]
    left, right = int(w * 0.04), int(w * 0.96)
    widths = [0.08, 0.2, 0.08, 0.44, 0.2]
    cols = [left]
    for share in widths:
        cols.append(cols[-1] + int((right - left) * share))
    row_h = int(size * 2.2)
    top = int(h * 0.12)
    rows_count = rng.randint(6, 10)
    applicant_row = rng.randrange(rows_count)
    others = sharing_names(name, rng, rows_count)
    y = top
    for i, header in enumerate(headers):
        c.write(cols[i] + 6, y + (row_h - size) / 2, [("text", header)], size)
    y += row_h
    for r in range(rows_count):
        person = name if r == applicant_row else (others[r % len(others)] if others else random_name(rng))
        kind = "name" if r == applicant_row else "text"
        values: list[tuple[str, str]] = [
            ("text", str(r + 1)),
            (kind, person),
            ("text", rng.choice("男女")),
            ("text", rng.choice(UNITS)),
            ("text", rng.choice(["助理工程师", "工程师", "技术员"])),
        ]
        for i, part in enumerate(values):
            text = part[1]
            s = size
            while c.text_width(text, s) > cols[i + 1] - cols[i] - 10 and s > 12:
                s -= 1
            c.write(cols[i] + 6, y + (row_h - s) / 2, [part], s)
        y += row_h
    for i in range(rows_count + 2):
        c.line((left, top + i * row_h, right, top + i * row_h), 1)
    for x in cols:
        c.line((x, top, x, top + (rows_count + 1) * row_h), 1)


def render_id_front(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    w, h = c.image.size
    c.draw.rounded_rectangle((10, 10, w - 10, h - 10), radius=30, fill=(226, 236, 244), outline=(150, 170, 190))
    label, value = 26, rng.randint(30, 38)
    x0, y = w * 0.06, h * 0.1
    c.write(x0, y, [("text", "姓名")], label, fill=(70, 110, 160))
    c.write(x0 + 90, y - 4, _name_parts(name, rng, allow_spaced=False), value)
    y += value * 1.9
    c.write(x0, y, [("text", "性别")], label, fill=(70, 110, 160))
    c.write(x0 + 90, y, [("text", rng.choice("男女"))], label)
    c.write(x0 + 190, y, [("text", "民族")], label, fill=(70, 110, 160))
    c.write(x0 + 280, y, [("text", rng.choice(["汉", "维吾尔", "蒙古", "回"]))], label)
    y += label * 2
    birth = id_number[6:14]
    c.write(x0, y, [("text", "出生")], label, fill=(70, 110, 160))
    c.write(x0 + 90, y, [("text", f"{birth[:4]}年{int(birth[4:6])}月{int(birth[6:])}日")], label)
    y += label * 2
    c.write(x0, y, [("text", "住址")], label, fill=(70, 110, 160))
    address = rng.choice(["新疆库尔勒市人民东路", "新疆且末县团结北路", "新疆轮台县建设路"]) + f"{rng.randint(1, 99)}号"
    c.write(x0 + 90, y, [("text", address)], label)
    c.draw.rectangle((w * 0.68, h * 0.12, w * 0.92, h * 0.62), fill=(205, 210, 215))
    c.write(x0, h * 0.8, [("text", "公民身份号码")], label, fill=(70, 110, 160))
    c.write(x0 + 200, h * 0.8 - 2, [("id", id_number)], value - 2)


def render_letter(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    """Running text (a work certificate) with the name inside sentences, twice, and a signature."""
    w, h = c.image.size
    c.write((w - c.text_width("工作证明", 44)) / 2, h * 0.06, [("text", "工作证明")], 44)
    size = rng.randint(22, 30)
    others = sharing_names(name, rng, 2)
    parts: list[tuple[str, str]] = [
        ("text", "兹证明"),
        *_name_parts(name, rng, allow_spaced=False),
        ("text", "同志（身份证号："),
        ("id", id_number),
        (
            "text",
            f"）自{rng.randint(2005, 2015)}年起在我单位从事{rng.choice(SPECIALTIES)}技术工作至今，"
            f"期间与{others[0] if others else '王磊'}同志共同负责多个项目。",
        ),
        *_name_parts(name, rng, allow_spaced=False),
        ("text", "同志工作认真负责，联系电话"),
        ("id", phone),
        ("text", "。特此证明。"),
    ]
    y = _wrap_paragraph(c, w * 0.1, h * 0.18, w * 0.8, parts, size, 1.9)
    c.write(w * 0.55, y + size * 2, [("text", rng.choice(UNITS))], size)
    c.write(w * 0.6, y + size * 4, [("text", "本人签名：")], size)
    c.write(w * 0.6 + c.text_width("本人签名：", size), y + size * 4 - 4, [("name", name)], size + 6)


def render_a4_register(c: Canvas, name: str, id_number: str, phone: str, rng: random.Random) -> None:
    """A dense A4 scan (150 dpi): small print, a registration table and a long paragraph."""
    w = c.image.size[0]
    title = "继续教育培训合格证明及学时登记表"
    c.write((w - c.text_width(title, 34)) / 2, 60, [("text", title)], 34)
    size = rng.randint(16, 21)
    left, right = 80, w - 80
    row_h = int(size * 2.2)
    y = 150
    others = sharing_names(name, rng, 12)
    for r in range(12):
        person_is_applicant = r in (2, 9)
        person = name if person_is_applicant else (others[r % len(others)] if others else random_name(rng))
        parts: list[tuple[str, str]] = [
            ("text", f"{r + 1:>2}  "),
            ("name" if person_is_applicant else "text", person),
            (
                "text",
                f"    {rng.choice(['公需科目', '专业科目'])}  {rng.choice([15, 30, 45, 60])}学时  "
                f"{rng.randint(2019, 2023)}年{rng.randint(1, 12)}月  证书号CE{rng.randint(10**6, 10**7 - 1)}",
            ),
        ]
        c.write(left + 10, y + (row_h - size) / 2, parts, size)
        c.line((left, y + row_h, right, y + row_h), 1)
        y += row_h
    paragraph = [
        ("text", "说明：上表所列人员已完成本年度继续教育学习任务，经考核合格。其中"),
        *_name_parts(name, rng, allow_spaced=False),
        (
            "text",
            "同志所学课程包括公路工程质量检测、桥梁养护与加固、交通安全设施设计等内容，"
            "学时已录入继续教育管理系统，特此证明。如有疑问请与培训中心联系。",
        ),
    ]
    _wrap_paragraph(c, left, y + size * 2, right - left, paragraph, size, 1.9)


TEMPLATES = {
    "title_certificate": (render_title_certificate, (1100, 1400)),
    "award_certificate": (render_award, (1400, 1000)),
    "assessment_form": (render_assessment_form, (1240, 1300)),
    "unit_publicity": (render_roster, (1400, 1000)),
    "id_front": (render_id_front, (860, 540)),
    "work_certificate": (render_letter, (1240, 1200)),
    "ce_certificate": (render_a4_register, (1240, 1754)),
}


def stamp_seal(c: Canvas, rng: random.Random) -> None:
    """A translucent red official seal, sometimes over a name, as on real certificates."""
    w, h = c.image.size
    if c.spans and rng.random() < 0.5:
        x0, y0, x1, y1 = rng.choice(c.spans)[2]
        cx, cy = (x0 + x1) / 2 + rng.uniform(-60, 60), (y0 + y1) / 2 + rng.uniform(-40, 40)
    else:
        cx, cy = rng.uniform(w * 0.5, w * 0.85), rng.uniform(h * 0.55, h * 0.85)
    radius = rng.uniform(70, 110)
    red = (205, 30, 30, rng.randint(110, 170))
    draw_seal(c, SealShape(cx, cy, radius, ring=6, star=0.3, font=0.28, text_radius=0.72, first=200, step=23), red)


@dataclass(frozen=True)
class SealShape:
    """Where a seal sits and how it is drawn: ring width, star and lettering as fractions of its radius, the
    lettering's first angle and its step between characters (degrees)."""

    cx: float
    cy: float
    radius: float
    ring: int
    star: float
    font: float
    text_radius: float
    first: int
    step: int


def draw_seal(c: Canvas, shape: SealShape, ink: tuple[int, int, int, int], text: str = "巴州交通运输局") -> None:
    """An official seal in translucent ink: ring, five-pointed star and the unit's name around the rim."""
    cx, cy, radius = shape.cx, shape.cy, shape.radius
    overlay = Image.new("RGBA", c.image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=ink, width=shape.ring)
    star = [
        (
            cx + radius * shape.star * math.cos(math.radians(a)) * (1 if i % 2 == 0 else 0.4),
            cy - radius * shape.star * math.sin(math.radians(a)) * (1 if i % 2 == 0 else 0.4),
        )
        for i, a in enumerate(range(90, 450, 36))
    ]
    draw.polygon(star, fill=ink)
    font = c.font(int(radius * shape.font))
    for i, ch in enumerate(text):
        angle = math.radians(shape.first - i * shape.step)
        draw.text(
            (
                cx + radius * shape.text_radius * math.cos(angle) - 10,
                cy - radius * shape.text_radius * math.sin(angle) - 10,
            ),
            ch,
            font=font,
            fill=ink,
        )
    c.image = Image.alpha_composite(c.image.convert("RGBA"), overlay).convert("RGB")
    c.draw = ImageDraw.Draw(c.image)


def _transform_box(box: Sequence[int], matrix: np.ndarray, size: tuple[int, int]) -> list[int]:
    corners = np.array([[box[0], box[1], 1], [box[2], box[1], 1], [box[2], box[3], 1], [box[0], box[3], 1]], float)
    moved = corners @ matrix.T
    w, h = size
    return [
        max(0, math.floor(moved[:, 0].min())),
        max(0, math.floor(moved[:, 1].min())),
        min(w, math.ceil(moved[:, 0].max())),
        min(h, math.ceil(moved[:, 1].max())),
    ]


def photograph(image: Image.Image, rng: random.Random) -> tuple[Image.Image, np.ndarray]:
    """Rotate (a few degrees), scale, blur, darken and add noise like a phone photo of a paper.
    Returns the image and the affine matrix (2x3) taking original → new coordinates."""
    angle = rng.uniform(-6, 6)
    scale = rng.uniform(0.7, 1.0)
    w, h = image.size
    rotated = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(150, 140, 120))
    rw, rh = rotated.size
    # PIL rotates counter-clockwise about the centre; the matching point transform:
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    cx, cy = w / 2, h / 2
    matrix = np.array(
        [
            [cos, sin, rw / 2 - cx * cos - cy * sin],
            [-sin, cos, rh / 2 + cx * sin - cy * cos],
        ]
    )
    new_size = (int(rw * scale), int(rh * scale))
    photo = rotated.resize(new_size, Image.Resampling.LANCZOS)
    matrix = matrix * scale
    if rng.random() < 0.6:
        photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.1)))
    array = np.asarray(photo).astype(np.float32)
    array *= rng.uniform(0.75, 1.0)
    array += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(3, 12), array.shape)
    photo = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    return photo, matrix


def generate_sample(
    rng: random.Random, doc_type: str | None = None, *, photographed: bool | None = None
) -> tuple[Image.Image, Sample]:
    doc_type = doc_type or rng.choice(list(TEMPLATES))
    render, size = TEMPLATES[doc_type]
    name = random_name(rng)
    id_number = id_number_for(rng)
    phone = "1" + rng.choice("3589") + "".join(str(rng.randint(0, 9)) for _ in range(9))
    font_path = rng.choice(EXTRA_FONTS) if EXTRA_FONTS and rng.random() < 0.3 else FONT_PATH
    background = (255, 255, 255) if rng.random() < 0.6 else (250, 246, 235)
    canvas = Canvas(*size, rng, background=background, font_path=font_path)
    render(canvas, name, id_number, phone, rng)
    if doc_type in ("award_certificate", "title_certificate", "work_certificate") and rng.random() < 0.6:
        stamp_seal(canvas, rng)
    image = canvas.image
    sample = Sample(doc_type=doc_type, name=name, id_number=id_number, phone=phone)
    photographed = rng.random() < 0.5 if photographed is None else photographed
    matrix = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    if photographed:
        image, matrix = photograph(image, rng)
        sample.photographed = True
    for kind, text, box in canvas.spans:
        target = sample.names if kind == "name" else sample.identifiers
        target.append(TextBox(text, _transform_box(box, matrix, image.size)))
    for ch, box in canvas.other_chars:
        sample.other.append(TextBox(ch, _transform_box(box, matrix, image.size)))
    return image, sample


def write_corpus(out_dir: Path, count: int, seed: int = 2023) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    doc_types = list(TEMPLATES)
    for i in range(count):
        image, sample = generate_sample(rng, doc_types[i % len(doc_types)])
        path = out_dir / f"img_{i:04d}.jpg"
        image.save(path, quality=rng.randint(70, 92))
        (out_dir / f"img_{i:04d}.json").write_text(json.dumps(asdict(sample), ensure_ascii=False, indent=1))
        paths.append(path)
    return paths


def load_sample(json_path: Path) -> Sample:
    data = json.loads(json_path.read_text())
    return Sample(
        doc_type=data["doc_type"],
        name=data["name"],
        id_number=data["id_number"],
        phone=data["phone"],
        names=[TextBox(**t) for t in data["names"]],
        identifiers=[TextBox(**t) for t in data["identifiers"]],
        other=[TextBox(**t) for t in data["other"]],
        photographed=data.get("photographed", False),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()
    paths = write_corpus(args.out_dir, args.count, args.seed)
    print(f"wrote {len(paths)} images to {args.out_dir}")


if __name__ == "__main__":
    main()


@dataclass
class Score:
    names_total: int = 0
    names_masked: int = 0
    # Names at least half covered: found, but possibly still legible.
    names_touched: int = 0
    other_area: int = 0
    other_covered: int = 0

    def add(self, other: Score) -> None:
        self.names_total += other.names_total
        self.names_masked += other.names_masked
        self.names_touched += other.names_touched
        self.other_area += other.other_area
        self.other_covered += other.other_covered

    @property
    def recall(self) -> float:
        return self.names_masked / self.names_total if self.names_total else 1.0

    @property
    def other_covered_share(self) -> float:
        return self.other_covered / self.other_area if self.other_area else 0.0


def score(sample: Sample, boxes: Sequence[Sequence[float]], size: tuple[int, int], threshold: float = 0.95) -> Score:
    """Recall of name occurrences (masked when ≥ `threshold` of its box is covered) and the area share of
    the other characters' boxes that the boxes cover. Covering the ID/mobile numbers counts as neither."""
    width, height = size
    covered = np.zeros((height, width), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        covered[max(0, int(y0)) : max(0, math.ceil(y1)), max(0, int(x0)) : max(0, math.ceil(x1))] = True
    result = Score()
    for occurrence in sample.names:
        x0, y0, x1, y1 = occurrence.box
        area = max(1, (x1 - x0) * (y1 - y0))
        result.names_total += 1
        inside = covered[y0:y1, x0:x1].sum()
        if inside >= threshold * area:
            result.names_masked += 1
        if inside >= 0.5 * area:
            result.names_touched += 1
    other_mask = np.zeros_like(covered)
    for ch in sample.other:
        x0, y0, x1, y1 = ch.box
        other_mask[y0:y1, x0:x1] = True
    # Pixels of other text that also lie inside a name/identifier box are the name's (touching glyphs).
    for occurrence in [*sample.names, *sample.identifiers]:
        x0, y0, x1, y1 = occurrence.box
        other_mask[y0:y1, x0:x1] = False
    result.other_area = int(other_mask.sum())
    result.other_covered = int((other_mask & covered).sum())
    return result
