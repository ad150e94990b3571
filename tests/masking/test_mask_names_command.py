"""The SPEC section 7 contract: `manage.py mask_names IMAGE --name NAME [--name ...] --out OUT`."""

from __future__ import annotations

import io
import json
import random

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from demo.corpus import generate_sample, score


def test_mask_names_covers_every_name_and_prints_the_boxes(tmp_path) -> None:
    image, sample = generate_sample(random.Random(11), "award_certificate", photographed=False)
    source = tmp_path / "award.jpg"
    image.save(source, quality=90)
    out = tmp_path / "masked" / "award.jpg"
    stdout = io.StringIO()
    # A second name that does not occur on the page must not matter.
    call_command(
        "mask_names", str(source), "--name", sample.name, "--name", "欧阳娜娜", "--out", str(out), stdout=stdout
    )

    payload = json.loads(stdout.getvalue())
    assert list(payload) == ["boxes"]
    boxes = payload["boxes"]
    assert boxes and all(len(b) == 4 and all(isinstance(v, int) for v in b) for b in boxes)
    result = score(sample, boxes, image.size)
    assert result.names_masked == result.names_total >= 1
    assert result.other_covered_share < 0.02

    with Image.open(out) as masked:
        assert masked.size == image.size
        assert not masked.getexif()
        gray = np.asarray(masked.convert("L")).astype(int)
    for x0, y0, x1, y1 in boxes:
        # JPEG blurs the edges a little; the inside is black.
        assert gray[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].mean() < 20
    original = np.asarray(Image.open(source).convert("L")).astype(int)
    outside = np.ones_like(gray, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        outside[max(0, y0 - 3) : y1 + 3, max(0, x0 - 3) : x1 + 3] = False
    assert np.abs(gray[outside] - original[outside]).mean() < 3


def test_mask_names_refuses_a_missing_file(tmp_path) -> None:
    with pytest.raises(CommandError):
        call_command("mask_names", str(tmp_path / "nope.jpg"), "--name", "李建国", "--out", str(tmp_path / "o.jpg"))
