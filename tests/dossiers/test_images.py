"""The attachment pipeline on real image bytes: content decides, not the name."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from dossiers.images import BadAttachment, clean_jpeg
from tests.dossiers.helpers import jpeg_bytes, png_bytes

LIMITS = {"formats": ["jpeg"], "max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000, "min_side_px": 300}


def test_clean_jpeg_reencodes_and_strips_metadata():
    raw = jpeg_bytes(800, 600, exif_orientation=1)
    assert b"SecretCameraMaker" in raw
    image = clean_jpeg(raw, limits=LIMITS)
    assert b"SecretCameraMaker" not in image.content
    with Image.open(io.BytesIO(image.content)) as img:
        assert img.format == "JPEG"
        assert not img.getexif()
        assert (img.width, img.height) == (800, 600)
    assert len(image.sha256) == 64


def test_exif_orientation_is_applied():
    # Orientation 6 = the camera was turned: the upright picture is portrait.
    image = clean_jpeg(jpeg_bytes(800, 600, exif_orientation=6), limits=LIMITS)
    assert (image.width, image.height) == (600, 800)


def test_png_renamed_to_jpg_is_refused():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(png_bytes(), limits=LIMITS)
    assert "PNG" in exc.value.message and "JPG" in exc.value.message
    assert exc.value.details["reason"] == "not_jpeg"


def test_truncated_jpeg_is_refused():
    raw = jpeg_bytes(1200, 900)
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(raw[: len(raw) // 2], limits=LIMITS)
    assert exc.value.details["reason"] == "corrupt"
    assert "损坏" in exc.value.message


def test_garbage_is_refused():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(b"%PDF-1.4 not an image at all" * 10, limits=LIMITS)
    assert exc.value.details["reason"] == "not_an_image"


def test_oversized_file_is_refused():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(jpeg_bytes(), limits={**LIMITS, "max_bytes": 2048})
    assert exc.value.details["reason"] == "too_large"
    assert "过大" in exc.value.message


def _jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A small real JPEG whose SOF header claims a huge size: the shape of a decompression bomb."""
    raw = bytearray(jpeg_bytes(320, 320))
    sof = raw.find(b"\xff\xc0")
    assert sof > 0
    struct.pack_into(">HH", raw, sof + 5, height, width)
    return bytes(raw)


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(_jpeg_with_declared_size(60000, 60000), limits=LIMITS)
    assert exc.value.details["reason"] == "too_many_pixels"


def test_bomb_below_pillows_own_limit_is_refused_by_the_policy_limit():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(_jpeg_with_declared_size(8000, 6000), limits=LIMITS)  # 48 Mpx > 40 Mpx policy limit
    assert exc.value.details["reason"] == "too_many_pixels"


def test_tiny_image_is_refused_as_illegible():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(jpeg_bytes(200, 100), limits=LIMITS)
    assert exc.value.details["reason"] == "too_small"
