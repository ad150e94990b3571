"""Test helpers: real JPG and PNG files generated with Pillow (valid section data: demo.samples)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def jpeg_bytes(
    width: int = 800,
    height: int = 600,
    *,
    color: str = "white",
    exif_orientation: int | None = None,
    text: str = "scan",
) -> bytes:
    img = Image.new("RGB", (width, height), color)
    ImageDraw.Draw(img).rectangle([20, 20, width // 2, height // 2], outline="black", width=5)
    ImageDraw.Draw(img).text((30, 30), text, fill="black")
    out = io.BytesIO()
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        exif[0x010F] = "SecretCameraMaker"
        img.save(out, format="JPEG", exif=exif.tobytes())
    else:
        img.save(out, format="JPEG")
    return out.getvalue()


def png_bytes(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()
