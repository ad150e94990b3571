"""The JPG both the load scenario and the request profile upload: a scanned-looking page above the policy's
minimum side (300 px), about 40 KB."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def scanned_page_jpg() -> bytes:
    img = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(img)
    for y in range(80, 1150, 40):
        draw.line([(60, y), (840, y)], fill=(180, 180, 180), width=2)
    draw.text((80, 40), "LOAD TEST PAPER", fill="black")
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    return out.getvalue()
