"""The attachment pipeline on real image bytes: content decides, not the name."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dossiers.images import BadAttachment, clean_jpeg
from tests.dossiers.helpers import jpeg_bytes, png_bytes

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"formats": ["jpeg"], "max_bytes": 5 * 1024 * 1024, "max_pixels": 16_000_000, "min_side_px": 300}


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


def test_header_claiming_more_than_the_budget_is_decoded_scaled_down():
    # 48 Mpx claimed, 16 Mpx budget: libjpeg decodes at 1/2, the stored copy is 4000×3000 (12 Mpx).
    image = clean_jpeg(_jpeg_with_declared_size(8000, 6000), limits=LIMITS)
    assert (image.width, image.height) == (4000, 3000)


def test_tiny_image_is_refused_as_illegible():
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(jpeg_bytes(200, 100), limits=LIMITS)
    assert exc.value.details["reason"] == "too_small"


def _white_jpeg(width: int, height: int, *, progressive: bool) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="JPEG", quality=1, progressive=progressive)
    return out.getvalue()


def test_large_photo_is_stored_within_the_pixel_budget():
    raw = _white_jpeg(6320, 6320, progressive=False)  # 40 Mpx in a few hundred KB
    image = clean_jpeg(raw, limits=LIMITS)
    assert (image.width, image.height) == (3160, 3160)
    assert image.width * image.height <= LIMITS["max_pixels"]
    with Image.open(io.BytesIO(image.content)) as img:
        assert img.size == (3160, 3160)


def test_progressive_jpeg_above_the_budget_is_refused_clearly():
    # libjpeg would buffer every coefficient of it at full size: refused from the header.
    with pytest.raises(BadAttachment) as exc:
        clean_jpeg(_white_jpeg(6320, 6320, progressive=True), limits=LIMITS)
    assert exc.value.details["reason"] == "too_many_pixels"
    assert "渐进式" in exc.value.message


def test_progressive_jpeg_within_the_budget_is_accepted():
    image = clean_jpeg(_white_jpeg(1600, 1200, progressive=True), limits=LIMITS)
    assert (image.width, image.height) == (1600, 1200)


def test_decoding_a_40_mpx_photo_costs_little_memory(tmp_path):
    """Peak RSS of a fresh process cleaning the photo, against one that only imports: the full 40 Mpx
    bitmap (120 MB) is never allocated."""
    path = tmp_path / "big.jpg"
    path.write_bytes(_white_jpeg(6320, 6320, progressive=False))
    script = (
        "import resource, sys, django; django.setup()\n"
        "from dossiers.images import clean_jpeg\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "clean_jpeg(raw, limits={'max_bytes': 5 << 20, 'max_pixels': 16_000_000, 'min_side_px': 300})\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    grown_mb = int(done.stdout.strip().splitlines()[-1])
    assert grown_mb < 100, grown_mb


def _segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the scan data."""
    assert jpeg[:2] == b"\xff\xd8"
    pos, found = 2, []
    while pos < len(jpeg):
        marker = jpeg[pos + 1]
        length = struct.unpack(">H", jpeg[pos + 2 : pos + 4])[0]
        found.append((marker, jpeg[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + length
    return found


def _hostile_jpeg() -> bytes:
    """A JPEG carrying a script comment, EXIF with GPS, an ICC profile and an XMP packet."""
    from PIL import ImageCms

    img = Image.new("RGB", (800, 600), "white")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    img.save(
        out,
        format="JPEG",
        comment=b"<script>alert(1)</script><?php system($_GET['c']); ?>",
        exif=exif.tobytes(),
        icc_profile=icc,
        xmp=b"<x:xmpmeta>SecretXmp</x:xmpmeta>",
    )
    return out.getvalue()


def test_stored_jpeg_keeps_no_metadata_segment():
    raw = _hostile_jpeg()
    assert b"<script>" in raw and b"SecretXmp" in raw and b"ICC_PROFILE" in raw
    stored = clean_jpeg(raw, limits=LIMITS).content
    for needle in (b"<script>", b"<?php", b"SecretCameraMaker", b"SecretXmp", b"ICC_PROFILE", b"Exif"):
        assert needle not in stored
    markers = _segments(stored)
    comments_and_app = [(m, p) for m, p in markers if m == 0xFE or 0xE0 <= m <= 0xEF]
    # Only libjpeg's bare JFIF header (version, density, no thumbnail) remains.
    assert [(m, p[:5], len(p)) for m, p in comments_and_app] == [(0xE0, b"JFIF\x00", 14)]
