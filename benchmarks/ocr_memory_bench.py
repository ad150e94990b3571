"""Peak memory of one OCR worker on a large phone photo (issue 11: a worker peaked at ~2 GB).

    .venv/bin/python benchmarks/ocr_memory_bench.py [--pages 3]

Draws a 4032×3024 page (a 12-megapixel phone photo) of 60 lines of print, half of it small, without the
applicant's name — so detection takes every look, the finer 2,000 px one included — detects it `--pages`
times in this process and prints the seconds and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from masking.detection import Identifiers, detect  # noqa: E402

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def photo_page() -> Image.Image:
    large, small = ImageFont.truetype(FONT, 40), ImageFont.truetype(FONT, 18)
    page = Image.new("RGB", (4032, 3024), "white")
    draw = ImageDraw.Draw(page)
    for i in range(60):
        line = f"公路养护工程质量检验评定记录 第{i}项 合格 " * 3
        draw.text((100, 60 + i * 48), line, fill="black", font=small if i % 2 else large)
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3)
    args = parser.parse_args()
    page = photo_page()
    start = time.perf_counter()
    for _ in range(args.pages):
        detect(page, Identifiers.build(names=["王晓梅"]), doc_type="award_certificate")
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    load = os.getloadavg()[0]
    print(f"load average {load:.1f}; {args.pages} pages of 4032×3024 in {seconds:.1f} s; peak {peak_mb} MB")


if __name__ == "__main__":
    main()
