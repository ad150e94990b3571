"""The applicant's masking page in Chromium: draw a box (mouse on desktop, a finger on a phone), move
it, confirm; the masked copy has exactly those pixels filled. Removing the box over a detected identifier
is refused on the page until that occurrence is marked "not my name" with a reason."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from demo.setup import DEMO_PASSWORD
from dossiers.models import Attachment
from masking.models import AttachmentMasking, MaskingStatus
from tests.conftest import login
from tests.masking.conftest import document_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _masked_pixels(attachment: Attachment) -> np.ndarray:
    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.status == MaskingStatus.CONFIRMED
    with masking.masked_file.open("rb") as handle, Image.open(io.BytesIO(handle.read())) as img:
        return np.asarray(img.convert("L")).astype(int)


def _to_image(svg_box: dict, width: int, x: float, y: float) -> tuple[float, float]:
    scale = width / svg_box["width"]
    return (x - svg_box["x"]) * scale, (y - svg_box["y"]) * scale


def _assert_filled_exactly(pixels: np.ndarray, box: list[int]) -> None:
    x0, y0, x1, y1 = box
    assert pixels[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2].max() < 40
    outside = np.ones_like(pixels, dtype=bool)
    outside[max(0, y0 - 3) : y1 + 3, max(0, x0 - 3) : x1 + 3] = False
    assert pixels[outside].min() > 200  # the page is white everywhere else


def test_draw_move_and_confirm_with_a_mouse(page, live_server, dossier, upload, artifacts_dir) -> None:
    attachment = upload(dossier, document_image([]), section="achievements", doc_type="achievement_proof")
    login(page, live_server, "demo_applicant", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/masking/dossiers/{dossier.pk}/")
    card = page.locator(f"#mask-card-{attachment.pk}")
    svg = card.locator("svg.mask-svg")
    svg.wait_for()
    box = svg.bounding_box()
    assert box is not None
    start = (box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.3)
    end = (box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.6)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()
    assert card.locator("rect.box").count() == 1
    # Move it 60 screen px right by dragging its middle.
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 60, middle[1], steps=6)
    page.mouse.up()
    assert card.locator("input[type=radio][value=yes]").is_checked()
    page.screenshot(path=str(artifacts_dir / "masking-desktop-drawn.png"), full_page=True)
    card.locator('[data-action="confirm"]').click()
    page.locator(f'#mask-card-{attachment.pk} [data-status="confirmed"]').wait_for()
    page.screenshot(path=str(artifacts_dir / "masking-desktop-confirmed.png"), full_page=True)

    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.needs_masking is True and len(masking.confirmed_boxes) == 1
    [saved] = masking.confirmed_boxes
    ex0, ey0 = _to_image(box, attachment.width, start[0] + 60, start[1])
    ex1, ey1 = _to_image(box, attachment.width, end[0] + 60, end[1])
    assert (
        abs(saved[0] - ex0) <= 3 and abs(saved[1] - ey0) <= 3 and abs(saved[2] - ex1) <= 3 and abs(saved[3] - ey1) <= 3
    )
    _assert_filled_exactly(_masked_pixels(attachment), saved)


def test_draw_with_a_finger_on_a_phone_and_delete_a_proposal(
    browser, live_server, dossier, upload, certificate, artifacts_dir
) -> None:
    attachment = upload(dossier, certificate)
    proposed = AttachmentMasking.objects.get(attachment=attachment).proposed_boxes
    assert len(proposed) == 2
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        login(page, live_server, "demo_applicant", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/masking/dossiers/{dossier.pk}/")
        card = page.locator(f"#mask-card-{attachment.pk}")
        svg = card.locator("svg.mask-svg")
        svg.scroll_into_view_if_needed()
        box = svg.bounding_box()
        assert box is not None and box["width"] <= 390
        assert card.locator("rect.box").count() == 2
        # Tap the lower proposal (the ID number) and delete it.
        id_box = max(proposed, key=lambda b: b[1])
        scale = box["width"] / attachment.width
        page.touchscreen.tap(
            box["x"] + (id_box[0] + id_box[2]) / 2 * scale, box["y"] + (id_box[1] + id_box[3]) / 2 * scale
        )
        card.locator('[data-action="delete"]').click()
        assert card.locator("rect.box").count() == 1
        # Draw a new box with a finger: real touch events through the DevTools protocol.
        cdp = context.new_cdp_session(page)
        svg.scroll_into_view_if_needed()
        box = svg.bounding_box()  # clicking the button may have scrolled the page
        assert box is not None
        x0, y0 = box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.75
        x1, y1 = box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.92
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
        for i in range(1, 7):
            t = i / 6
            point = {"x": x0 + (x1 - x0) * t, "y": y0 + (y1 - y0) * t}
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert card.locator("rect.box").count() == 2
        page.screenshot(path=str(artifacts_dir / "masking-phone-drawn.png"), full_page=True)
        # The detected ID number is no longer covered: refused with a message, the drawn boxes kept and
        # the uncovered occurrence outlined in red.
        card.locator('[data-action="confirm"]').click()
        card.locator(".mask-message", has_text="未被遮盖").wait_for()
        assert card.locator("rect.finding.uncovered").count() == 1 and card.locator("rect.box").count() == 2
        assert AttachmentMasking.objects.get(attachment=attachment).status == MaskingStatus.PROPOSED
        # Marked "not my name" with a reason, it may stay visible (the office reviews the mark).
        id_finding = max(AttachmentMasking.objects.get(attachment=attachment).findings, key=lambda f: f["box"][1])
        card.locator(f'input[data-finding="{id_finding["id"]}"]').check()
        card.locator(f'input[data-reason-for="{id_finding["id"]}"]').fill("单位统一社会信用代码，非本人身份证号")
        card.locator('[data-action="confirm"]').click()
        page.locator(f'#mask-card-{attachment.pk} [data-status="confirmed"]').wait_for()
        page.screenshot(path=str(artifacts_dir / "masking-phone-confirmed.png"), full_page=True)
    finally:
        context.close()

    masking = AttachmentMasking.objects.get(attachment=attachment)
    assert masking.not_mine == {id_finding["id"]: "单位统一社会信用代码，非本人身份证号"}
    name_box = min(proposed, key=lambda b: b[1])
    assert masking.confirmed_boxes[0] == name_box
    drawn = masking.confirmed_boxes[1]
    ex0, ey0 = _to_image(box, attachment.width, x0, y0)
    ex1, ey1 = _to_image(box, attachment.width, x1, y1)
    assert (
        abs(drawn[0] - ex0) <= 4 and abs(drawn[1] - ey0) <= 4 and abs(drawn[2] - ex1) <= 4 and abs(drawn[3] - ey1) <= 4
    )
    pixels = _masked_pixels(attachment)
    for x0_, y0_, x1_, y1_ in masking.confirmed_boxes:
        assert pixels[y0_ + 2 : y1_ - 2, x0_ + 2 : x1_ - 2].max() < 40
    # The deleted ID-number proposal is not covered any more.
    assert (
        pixels[id_box[1] : id_box[3], id_box[0] : id_box[2]].min()
        < 100
        < pixels[id_box[1] : id_box[3], id_box[0] : id_box[2]].max()
    )
