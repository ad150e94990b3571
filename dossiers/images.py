"""The attachment image pipeline: accept a JPG by its content, refuse anything else, and store a clean copy.

Notice 八(一): attachments are JPG images, uploaded upright and legible. We check the bytes, not the file
name (a PNG renamed to .jpg is refused), decode the whole image (a truncated file is refused), apply the
EXIF orientation, drop every metadata segment (EXIF/GPS, ICC, XMP, comments, thumbnails) and re-encode,
so what reviewers and experts see is exactly what we checked.

Memory is bounded by a pixel budget (the policy's `max_pixels`, 16 MP: a phone photo of a page). A larger
baseline JPEG is decoded already scaled down by libjpeg (`draft`, 1/2 to 1/8), so its full-size bitmap is
never allocated; a progressive JPEG keeps a full-size coefficient buffer whatever the scale, so above the
budget it is refused; anything needing more than 1/8 is a decompression bomb and refused from its header.
At most `UPLOAD_DECODE_CONCURRENCY` images are decoded at once per process.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError, ErrorCode

JPEG_QUALITY = 90
# libjpeg can decode at 1/1, 1/2, 1/4 or 1/8 of the size: the largest reduction draft() offers.
DRAFT_SCALES = (1, 2, 4, 8)
_decode_slots = threading.BoundedSemaphore(int(getattr(settings, "UPLOAD_DECODE_CONCURRENCY", 2)))
FORMAT_NAMES = {"PNG": "PNG", "GIF": "GIF", "BMP": "BMP", "TIFF": "TIFF", "WEBP": "WebP", "PDF": "PDF"}


class BadAttachment(DomainError):
    code = ErrorCode.BAD_ATTACHMENT


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    width: int
    height: int
    sha256: str


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def read_limited(upload: IO[bytes], max_bytes: int) -> bytes:
    """Read at most max_bytes + 1 bytes, so an oversized upload never sits in memory whole."""
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise BadAttachment(
            f"文件过大：单个附件不得超过 {_mb(max_bytes)}，请压缩后重新上传。",
            details={"reason": "too_large", "max_bytes": max_bytes},
        )
    return data


def clean_jpeg(raw: bytes, *, limits: dict[str, Any]) -> CleanImage:
    """Check and re-encode one upload. `limits` is the round policy's `attachments` block."""
    max_bytes = int(limits["max_bytes"])
    if len(raw) > max_bytes:
        raise BadAttachment(
            f"文件过大：单个附件不得超过 {_mb(max_bytes)}，请压缩后重新上传。",
            details={"reason": "too_large", "max_bytes": max_bytes},
        )
    if not raw:
        raise BadAttachment("文件为空，请重新选择。", details={"reason": "empty"})
    with _decode_slots:
        upright = _decode_within_budget(raw, int(limits["max_pixels"]))
    min_side = int(limits["min_side_px"])
    if min(upright.size) < min_side:
        raise BadAttachment(
            f"图片分辨率过低（{upright.width}×{upright.height}），短边不得少于 {min_side} 像素，否则内容难以辨认。",
            details={"reason": "too_small", "min_side_px": min_side},
        )
    if upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    # Pillow writes im.info["comment"] back as a COM segment unless told otherwise: start from nothing.
    upright.info = {}
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, exif=b"", comment=b"")
    content = out.getvalue()
    return CleanImage(
        content=content, width=upright.width, height=upright.height, sha256=hashlib.sha256(content).hexdigest()
    )


def draft_scale(width: int, height: int, max_pixels: int) -> int | None:
    """The smallest libjpeg reduction that brings the image within the budget; None if none does."""
    for scale in DRAFT_SCALES:
        if (-(-width // scale)) * (-(-height // scale)) <= max_pixels:
            return scale
    return None


def _decode_within_budget(raw: bytes, max_pixels: int) -> Image.Image:
    """Decode (scaled down if need be) and turn upright; refuses what is not a sound JPEG."""
    with warnings.catch_warnings():
        # Pillow's own warning (> 89 MP) is not a refusal here: draft() decides the memory, not the header.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(raw))
        except Image.DecompressionBombError as exc:
            raise _bomb(max_pixels) from exc
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise BadAttachment(
                "无法识别的文件：只接受 JPG 格式的图片（按文件内容判断），请重新扫描或拍照后上传。",
                details={"reason": "not_an_image"},
            ) from exc
        with img:
            # MPO (phones' multi-picture JPEG) is a JPEG followed by extra frames: Pillow opens its first
            # frame, the photo itself, and only that frame is re-encoded below.
            if img.format not in ("JPEG", "MPO"):
                actual = FORMAT_NAMES.get(img.format or "", img.format or "未知")
                raise BadAttachment(
                    f"只接受 JPG 格式的图片：该文件实际为 {actual} 格式（仅修改扩展名无效），请转换为 JPG 后上传。",
                    details={"reason": "not_jpeg", "format": img.format},
                )
            _reduce_before_decoding(img, max_pixels)
            try:
                img.load()
            except Image.DecompressionBombError as exc:
                raise _bomb(max_pixels) from exc
            except (OSError, SyntaxError, ValueError) as exc:
                raise BadAttachment(
                    "图片文件已损坏或不完整，无法打开，请重新扫描或拍照后上传。", details={"reason": "corrupt"}
                ) from exc
            return ImageOps.exif_transpose(img)


def _reduce_before_decoding(img: Image.Image, max_pixels: int) -> None:
    """Checked from the header, before a single pixel is allocated."""
    width, height = img.size
    scale = draft_scale(width, height, max_pixels)
    if scale is None:
        raise _bomb(max_pixels)
    if scale > 1 and img.info.get("progressive"):
        # libjpeg buffers every coefficient of a progressive file at full size, whatever the scale.
        raise BadAttachment(
            f"图片像素过大（{width}×{height}，超过 {max_pixels // 1_000_000} 百万像素）且为渐进式 JPG，"
            "无法安全缩小。请另存为普通 JPG 或缩小尺寸后上传。",
            details={"reason": "too_many_pixels", "max_pixels": max_pixels},
        )
    if scale > 1:
        img.draft(None, (-(-width // scale), -(-height // scale)))


def _bomb(max_pixels: int) -> BadAttachment:
    return BadAttachment(
        f"图片像素过大（超过 {max_pixels // 1_000_000} 百万像素），可能是异常文件，已拒绝。请缩小尺寸后上传。",
        details={"reason": "too_many_pixels", "max_pixels": max_pixels},
    )
