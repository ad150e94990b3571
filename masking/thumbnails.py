"""Small copies of attachment images for review pages: made once per served file, then read from storage.

A review page used to load every original (~3.7 MB on a phone). The copy is keyed by the name and size of
the file the permission gate (`masking.selectors.attachment_file_for`) chose, so an original and its masked
copy never share a thumbnail, and a new masked copy (another name) gets a new one.
"""

from __future__ import annotations

import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from PIL import Image

# Longest side of a thumbnail in pixels: sharp on a 2x phone screen at the 160-px width the page shows.
THUMBNAIL_SIDE = 360
THUMBNAIL_QUALITY = 75


def thumbnail_name(source: FieldFile) -> str:
    digest = hashlib.sha256(f"{source.name}:{source.size}:{THUMBNAIL_SIDE}".encode()).hexdigest()[:32]
    return f"thumbnails/{digest[:2]}/{digest}.jpg"


def thumbnail_bytes(source: FieldFile) -> bytes:
    """Downscale `source` (a JPG the upload pipeline already checked) to at most THUMBNAIL_SIDE pixels."""
    with source.open("rb") as handle, Image.open(handle) as image:
        image.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # JPEG decodes at a reduced scale: fast on big photos
        copy = image.convert("RGB")
        copy.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
        return out.getvalue()


def thumbnail_of(source: FieldFile) -> str:
    """The storage name of the thumbnail of `source`, made now if it does not exist yet."""
    name = thumbnail_name(source)
    if not default_storage.exists(name):
        # Two first requests at once write the same bytes; whichever name storage keeps is equally right.
        saved = default_storage.save(name, ContentFile(thumbnail_bytes(source)))
        if saved != name:  # storage kept the other writer's file under `name` and renamed ours
            default_storage.delete(saved)
    return name
