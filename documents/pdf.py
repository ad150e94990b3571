"""PDF machinery shared by every document: the embedded CJK font, A4 pages laid out for duplex printing
(mirrored margins, even page count), a watermark and footer on every page, tables and a vector QR code.

Only the CJK TrueType font is ever used: reportlab's built-in Helvetica is never embedded, and a PDF
that mentions it would fail `pdffonts` (every font embedded).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Table, TableStyle

FONT_NAME = "CJKSans"
PAGE_WIDTH, PAGE_HEIGHT = A4
# Binding edge is wider than the outer edge; on the back of a sheet the two swap (duplex printing).
INNER_MARGIN = 25 * mm
OUTER_MARGIN = 15 * mm
TOP_MARGIN = 18 * mm
BOTTOM_MARGIN = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - INNER_MARGIN - OUTER_MARGIN


@cache
def register_cjk_font() -> str:
    """Register settings.CJK_FONT_PATH once (a .ttc collection: its first face) and return its name."""
    path = Path(settings.CJK_FONT_PATH)
    if not path.exists():
        raise ImproperlyConfigured(
            f"CJK font not found at {path}; install Debian's fonts-wqy-zenhei (scripts/dev.py) or set CJK_FONT_PATH."
        )
    kwargs: dict[str, Any] = {"subfontIndex": 0} if path.suffix.lower() == ".ttc" else {}
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), **kwargs))
    return FONT_NAME


@cache
def styles() -> dict[str, ParagraphStyle]:
    font = register_cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "body": base,
        "indent": ParagraphStyle("indent", parent=base, firstLineIndent=21, fontSize=12, leading=22),
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=TA_CENTER, spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=16, alignment=TA_CENTER, spaceAfter=6),
        # keepWithNext: a section heading never sits alone at the foot of a page.
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "label": ParagraphStyle("label", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444")),
        "right": ParagraphStyle("right", parent=base, fontSize=12, leading=22, alignment=2),
    }


def escape(text: Any) -> str:
    """Paragraph text is mini-HTML: escape user data so '<' or '&' in a field cannot break the layout."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


def para(text: Any, style: str = "cell") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


@dataclass(frozen=True)
class PageDecoration:
    """What every page carries besides its content."""

    watermark: str = ""
    footer: str = ""
    # Count pages as 第 n 页 共 m 页 and pad to an even count, so duplex printing never leaves a stray sheet.
    duplex: bool = True
    blank_page_note: str = "（本页空白）"


class DecoratedCanvas(Canvas):
    """Holds pages back until save() so each footer can say 共 m 页 and an odd count gets a blank back page."""

    decoration = PageDecoration()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # BaseDocTemplate passes initialFontName=None explicitly; None would mean Helvetica on every page.
        kwargs["initialFontName"] = kwargs.get("initialFontName") or register_cjk_font()
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pad = self.decoration.duplex and len(self._held_pages) % 2 == 1
        total = len(self._held_pages) + (1 if pad else 0)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, total)
            super().showPage()
        if pad:
            self.setFont(FONT_NAME, 12)
            self.setFillColor(colors.grey)
            self.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT / 2, self.decoration.blank_page_note)
            self._decorate(total, total)
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        decoration = self.decoration
        if decoration.watermark:
            self.saveState()
            self.setFillColor(colors.Color(0.55, 0.55, 0.55, alpha=0.22))
            lines = decoration.watermark.split("\n")
            # Staggered stamps cover the page so a cut-out part of a sheet still carries the watermark.
            for x, y in ((0.5, 0.82), (0.5, 0.60), (0.5, 0.38), (0.5, 0.16)):
                self.saveState()
                self.translate(PAGE_WIDTH * x, PAGE_HEIGHT * y)
                self.rotate(30)
                for index, line in enumerate(lines):
                    self.setFont(FONT_NAME, 12 if index == 0 else 10.5)
                    self.drawCentredString(0, -index * 15, line)
                self.restoreState()
            self.restoreState()
        self.saveState()
        self.setFont(FONT_NAME, 8.5)
        self.setFillColor(colors.HexColor("#444444"))
        odd = number % 2 == 1
        left = INNER_MARGIN if odd else OUTER_MARGIN
        right = PAGE_WIDTH - (OUTER_MARGIN if odd else INNER_MARGIN)
        y = BOTTOM_MARGIN / 2
        page_label = f"第 {number} 页 共 {total} 页"
        # Page numbers sit on the outer edge, the footer text on the binding side.
        if odd:
            self.drawRightString(right, y, page_label)
            if decoration.footer:
                self.drawString(left, y, decoration.footer)
        else:
            self.drawString(left, y, page_label)
            if decoration.footer:
                self.drawRightString(right, y, decoration.footer)
        self.restoreState()


def _canvas_maker(decoration: PageDecoration) -> type[DecoratedCanvas]:
    return type("PageCanvas", (DecoratedCanvas,), {"decoration": decoration})


def build_pdf(
    flowables: Sequence[Flowable],
    *,
    title: str,
    decoration: PageDecoration | None = None,
    author: str = "职称申报评审平台",
    subject: str = "",
) -> bytes:
    """Lay the flowables out on A4 with mirrored margins (odd pages bind left, even pages bind right)."""
    register_cjk_font()
    buffer = io.BytesIO()
    height = PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN
    odd = Frame(INNER_MARGIN, BOTTOM_MARGIN, FRAME_WIDTH, height, id="odd", leftPadding=0, rightPadding=0)
    even = Frame(OUTER_MARGIN, BOTTOM_MARGIN, FRAME_WIDTH, height, id="even", leftPadding=0, rightPadding=0)
    doc = BaseDocTemplate(buffer, pagesize=A4, title=title, author=author, subject=subject, creator="titles-platform")
    doc.addPageTemplates(
        [
            PageTemplate(id="odd", frames=[odd], autoNextPageTemplate="even"),
            PageTemplate(id="even", frames=[even], autoNextPageTemplate="odd"),
        ]
    )
    doc.build(list(flowables), canvasmaker=_canvas_maker(decoration or PageDecoration()))
    return buffer.getvalue()


GRID_STYLE = [
    ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
    ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 4),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
]


def grid_table(
    rows: Sequence[Sequence[Any]],
    col_widths: Sequence[float],
    *,
    header: bool = False,
    extra_style: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A ruled table; plain values become wrapped paragraphs (never the default, non-embedded font)."""
    register_cjk_font()
    cells = [
        [c if isinstance(c, Flowable) else para(c, "label" if header and i == 0 else "cell") for c in row]
        for i, row in enumerate(rows)
    ]
    style = list(GRID_STYLE)
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    style.extend(extra_style)
    table = Table(cells, colWidths=list(col_widths), repeatRows=1 if header else 0)
    table.setStyle(TableStyle(style))
    return table


class QRCode(Flowable):
    """A QR code drawn as vector squares (crisp at any print resolution), with its quiet zone."""

    def __init__(self, data: str, size: float = 30 * mm, error: str = "m") -> None:
        super().__init__()
        self.data = data
        self.size = size
        qr = segno.make(data, error=error, micro=False)
        self._matrix = [[bool(v) for v in row] for row in qr.matrix_iter(scale=1, border=4)]
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        modules = len(self._matrix)
        cell = self.size / modules
        canvas.saveState()
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for row_index, row in enumerate(self._matrix):
            y = self.size - (row_index + 1) * cell
            for col_index, dark in enumerate(row):
                if dark:
                    # A hair of overlap avoids white seams between modules in some renderers.
                    canvas.rect(col_index * cell, y, cell + 0.05, cell + 0.05, stroke=0, fill=1)
        canvas.restoreState()
