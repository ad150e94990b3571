"""`manage.py mask_names IMAGE.jpg --name NAME [--name ...] --out OUT.jpg` (SPEC section 7).

Writes a copy of IMAGE with every occurrence of each NAME covered (filled rectangles in the pixels, no
metadata) and prints one JSON object {"boxes": [[x0, y0, x1, y1], ...]} of the areas covered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from masking.detection import Identifiers, boxes_in_source, detect, load_image, render_masked, save_jpeg


class Command(BaseCommand):
    help = "Cover every occurrence of the given name(s) on an image; print the covered boxes as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("image", type=Path)
        parser.add_argument("--name", action="append", required=True, dest="names", help="a name to cover (repeatable)")
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["image"]
        if not source.is_file():
            raise CommandError(f"找不到图片：{source}")
        names = [n.strip() for n in options["names"] if n and n.strip()]
        if not names:
            raise CommandError("至少需要一个 --name")
        try:
            image = load_image(source)
        except OSError as exc:
            raise CommandError(f"无法读取图片 {source}：{exc}") from exc
        detection = detect(image, Identifiers.build(names=names))
        # A page scanned sideways is read upright; the boxes are given on the image as it came.
        boxes = [list(box) for box in boxes_in_source(detection.boxes, detection.rotation, image.size)]
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        save_jpeg(render_masked(image, boxes), out)
        self.stdout.write(json.dumps({"boxes": boxes}))
