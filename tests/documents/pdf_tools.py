"""Read generated files back the way their users' tools do: pypdf text, pdffonts, pdftoppm + a QR decoder."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pypdf
import zxingcpp
from PIL import Image


def page_texts(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def pdffonts_rows(path: Path) -> list[dict[str, str]]:
    """Parse `pdffonts`: one dict per font with its name and the emb column."""
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    header, _rule, *rows = out
    emb_at = header.index("emb")
    return [{"name": row.split()[0], "emb": row[emb_at : emb_at + 3].strip()} for row in rows]


def render_page(path: Path, page: int = 1, dpi: int = 150) -> Image.Image:
    prefix = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-singlefile", str(path), str(prefix)],
        check=True,
        capture_output=True,
    )
    return Image.open(f"{prefix}.png")


def decode_qr(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the embedded CJK font has no glyph for (they would print as empty boxes)."""
    from reportlab.pdfbase import pdfmetrics

    from documents.pdf import register_cjk_font

    face = pdfmetrics.getFont(register_cjk_font()).face
    return {ch for ch in text if not ch.isspace() and ord(ch) not in face.charToGlyph}
