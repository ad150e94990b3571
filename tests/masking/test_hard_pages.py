"""Issue 11.1: the name is found wherever a reader would see it — one generated hard page per category
(benchmarks/masking_hard_corpus.py; the benchmark measures recall on more of them)."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable

import numpy as np
import pytest
from django.core.management import call_command
from PIL import Image

from benchmarks.masking_hard_corpus import CATEGORIES, SCAN_ROTATION, generate
from demo.corpus import score
from dossiers.models import Attachment, Dossier
from masking.detection import Identifiers, detect, load_image
from masking.models import AttachmentMasking
from tests.masking.conftest import APPLICANT_NAME


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_the_name_is_covered_on_each_kind_of_hard_page(category: str) -> None:
    page = generate(category, random.Random(f"hard-{category}"))
    detection = detect(page.scanned, Identifiers.build(names=[page.sample.name]))
    if category in SCAN_ROTATION:
        # Turned upright: the scan was turned R° counter-clockwise, so it takes (360 - R)° to undo.
        assert detection.rotation == 360 - SCAN_ROTATION[category]
        assert detection.upright is not None and detection.upright.size == page.upright.size
    else:
        assert detection.rotation == 0
    result = score(page.sample, detection.boxes, page.upright.size)
    assert result.names_masked == result.names_total >= 1, (category, page.sample.name, detection.boxes)
    # Look-alike names, the seal's text and the rest of the page stay readable.
    assert result.other_covered_share < 0.03


@pytest.mark.django_db
def test_a_sideways_upload_is_stored_upright_and_mask_names_answers_on_the_image_as_given(
    dossier: Dossier,
    upload: Callable[..., Attachment],
    tmp_path,
) -> None:
    page = generate("sideways_90", random.Random(7), name=APPLICANT_NAME)
    attachment = upload(dossier, page.scanned)
    attachment.refresh_from_db()
    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.rotation == 270 and (attachment.width, attachment.height) == page.upright.size
    with attachment.file.open("rb") as handle:
        stored = load_image(io.BytesIO(handle.read()))
    assert stored.size == page.upright.size
    assert any(f["kind"] == "name" for f in masking.findings)
    assert score(page.sample, masking.proposed_boxes, page.upright.size).recall == 1.0

    # SPEC section 7: mask_names prints boxes on the image it was given (here: still sideways).
    source, out = tmp_path / "scan.jpg", tmp_path / "out.jpg"
    page.scanned.save(source, quality=92)
    stdout = io.StringIO()
    call_command("mask_names", str(source), "--name", APPLICANT_NAME, "--out", str(out), stdout=stdout)
    boxes = json.loads(stdout.getvalue())["boxes"]
    with Image.open(out) as masked:
        assert masked.size == page.scanned.size
        gray = np.asarray(masked.convert("L")).astype(int)
    assert boxes and all(gray[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].mean() < 20 for x0, y0, x1, y1 in boxes)
    # The name is no longer readable on the masked output, once turned upright.
    with Image.open(out) as masked:
        upright = masked.rotate(270, expand=True)
    assert upright.size == page.upright.size
    assert not detect(upright, Identifiers.build(names=[APPLICANT_NAME]), orient=False).matches
