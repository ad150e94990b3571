"""The attachment image pipeline: accept a JPG by its content, refuse anything else, and store a clean copy.

Notice 八(一): attachments are JPG images, uploaded upright and legible. We check the bytes, not the file
name (a PNG renamed to .jpg is refused), decode the whole image (a truncated file is refused), refuse
decompression bombs before decoding, apply the EXIF orientation, drop every metadata block (GPS,
camera, embedded thumbnails) and re-encode, so what reviewers and experts see is exactly what we checked.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError, ErrorCode

JPEG_QUALITY = 90
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
    max_pixels = int(limits["max_pixels"])
    min_side = int(limits["min_side_px"])
    if len(raw) > max_bytes:
        raise BadAttachment(
            f"文件过大：单个附件不得超过 {_mb(max_bytes)}，请压缩后重新上传。",
            details={"reason": "too_large", "max_bytes": max_bytes},
        )
    if not raw:
        raise BadAttachment("文件为空，请重新选择。", details={"reason": "empty"})
    with warnings.catch_warnings():
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; both are refusals here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(raw))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
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
            width, height = img.size
            # Checked from the header before decoding: a bomb never gets its pixels allocated.
            if width * height > max_pixels:
                raise _bomb(max_pixels)
            try:
                img.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise _bomb(max_pixels) from exc
            except (OSError, SyntaxError, ValueError) as exc:
                raise BadAttachment(
                    "图片文件已损坏或不完整，无法打开，请重新扫描或拍照后上传。", details={"reason": "corrupt"}
                ) from exc
            upright = ImageOps.exif_transpose(img)
    if min(upright.size) < min_side:
        raise BadAttachment(
            f"图片分辨率过低（{upright.width}×{upright.height}），短边不得少于 {min_side} 像素，否则内容难以辨认。",
            details={"reason": "too_small", "min_side_px": min_side},
        )
    if upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: the stored copy carries pixels only.
    upright.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    content = out.getvalue()
    return CleanImage(
        content=content, width=upright.width, height=upright.height, sha256=hashlib.sha256(content).hexdigest()
    )


def _bomb(max_pixels: int) -> BadAttachment:
    return BadAttachment(
        f"图片像素过大（超过 {max_pixels // 1_000_000} 百万像素），可能是异常文件，已拒绝。请缩小尺寸后上传。",
        details={"reason": "too_many_pixels", "max_pixels": max_pixels},
    )
