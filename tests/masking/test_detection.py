"""The detection core on generated documents with known boxes, and its matching rules on OCR lines."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image

from demo.corpus import generate_sample, score
from masking.detection import (
    FlagReason,
    Identifiers,
    OcrChar,
    OcrLine,
    detect,
    match_identifiers,
    render_masked,
)


def _line(text: str, *, x: float = 10, y: float = 10, size: float = 30, gap: float = 0, scores=None) -> OcrLine:
    chars = []
    for i, ch in enumerate(text):
        x0 = x + i * (size + gap)
        chars.append(OcrChar(ch, scores[i] if scores else 0.99, (x0, y, x0 + size, y + size)))
    return OcrLine(text, min(c.score for c in chars), (x, y, chars[-1].box[2], y + size), tuple(chars))


SIZE = (2000, 1000)


def test_name_inside_longer_line_is_covered_and_nothing_else() -> None:
    line = _line("兹证明李建国同志于2020年")
    [match] = match_identifiers([line], Identifiers.build(names=["李建国"]), SIZE)
    # Characters 3..5 span x 100..190; padding keeps the box close to them.
    assert 90 <= match.box[0] <= 100 and 190 <= match.box[2] <= 200
    assert match.exact


def test_spaced_and_separated_names_match() -> None:
    ids = Identifiers.build(names=["李建国", "阿依古丽·买买提"])
    spaced = _line("姓名李 建 国", gap=12)
    dotted = _line("阿依古丽买买提", y=100)
    kinds = [m.kind for m in match_identifiers([spaced, dotted], ids, SIZE)]
    assert kinds == ["name", "name"]


def test_name_split_over_two_text_boxes_on_one_row() -> None:
    left = _line("姓名：李", x=10)
    right = _line("建国", x=10 + 4 * 30 + 20)
    matches = match_identifiers([left, right], Identifiers.build(names=["李建国"]), SIZE)
    assert len(matches) == 1
    assert matches[0].box[0] < 100 and matches[0].box[2] > 10 + 4 * 30 + 20 + 55


def test_near_miss_rules() -> None:
    ids = Identifiers.build(names=["李建国"])
    # A confusable glyph, and an unsure reading of one character: still the name.
    assert match_identifiers([_line("李健国")], ids, SIZE)
    assert match_identifiers([_line("李达国", scores=[0.99, 0.4, 0.99])], ids, SIZE)
    # Someone else sharing two characters, read confidently: not the applicant.
    assert not match_identifiers([_line("李建华同志")], ids, SIZE)
    assert not match_identifiers([_line("建国路")], ids, SIZE)
    # Two-character names need both characters (or a confusable one).
    assert not match_identifiers([_line("王磊")], Identifiers.build(names=["王伟"]), SIZE)
    # Far apart on the row (different table cells) is not one name.
    assert not match_identifiers([_line("李", x=10), _line("建国", x=400)], ids, SIZE)


def test_id_number_and_phone_match_with_separators_and_one_misread_digit() -> None:
    ids = Identifiers.build(names=["李建国"], id_number="652801199001011234", phone="139-1234-5678")
    lines = [_line("身份证号652801199001011284", size=20), _line("电话13912345678", y=60, size=20)]
    kinds = sorted(m.kind for m in match_identifiers(lines, ids, SIZE))
    assert kinds == ["id_number", "phone"]
    assert not match_identifiers([_line("电话13900000000", size=20)], ids, SIZE)


def test_fail_closed_flags() -> None:
    image = Image.new("RGB", SIZE, "white")
    ids = Identifiers.build(names=["李建国"])
    # A certificate that should bear the name but OCR found someone else's only.
    found = detect(image, ids, doc_type="title_certificate", lines=[_line("姓名王晓梅")])
    assert found.flag_reasons == [FlagReason.NAME_NOT_FOUND]
    # Unreadable page.
    weak = detect(image, ids, doc_type="photo", lines=[_line("某某某某", scores=[0.4, 0.5, 0.55, 0.6])])
    assert FlagReason.LOW_CONFIDENCE in weak.flag_reasons
    # Nothing readable on an ID card.
    assert detect(image, ids, doc_type="id_front", lines=[]).flag_reasons == [FlagReason.NO_TEXT]
    # A clear page of another kind without the name passes.
    assert not detect(image, ids, doc_type="photo", lines=[_line("一寸照片")]).flagged
    # All but one character of the name, clearly read: flagged for the applicant to decide.
    assert FlagReason.NEAR_MISS in detect(image, ids, lines=[_line("李建华")]).flag_reasons


def test_render_masked_fills_exactly_the_boxes_and_drops_metadata(tmp_path) -> None:
    source = Image.new("RGB", (200, 100), (255, 255, 255))
    exif = Image.Exif()
    exif[0x010E] = "李建国 652801199001011234"  # ImageDescription
    path = tmp_path / "in.jpg"
    source.save(path, exif=exif.tobytes())
    from masking.detection import load_image, save_jpeg

    out = tmp_path / "out.jpg"
    save_jpeg(render_masked(load_image(path), [[10, 20, 60, 50]]), out)
    with Image.open(out) as result:
        assert not result.getexif()
        assert "exif" not in result.info
        pixels = np.asarray(result.convert("L")).astype(int)
    assert pixels[22:48, 12:58].max() < 30
    assert pixels[60:, :].min() > 220 and pixels[:, 70:].min() > 220
    assert "李建国".encode() not in out.read_bytes()


@pytest.mark.parametrize(("doc_type", "photographed"), [("title_certificate", False), ("work_certificate", True)])
def test_detection_on_generated_documents(doc_type: str, photographed: bool) -> None:
    image, sample = generate_sample(random.Random(7), doc_type, photographed=photographed)
    ids = Identifiers.build(names=[sample.name], id_number=sample.id_number, phone=sample.phone)
    detection = detect(image, ids, doc_type=doc_type)
    result = score(sample, detection.boxes, image.size)
    assert result.names_total >= 1
    assert result.names_masked == result.names_total
    assert result.other_covered_share < 0.05
    assert not detection.flagged


def test_stray_marks_and_row_numbers() -> None:
    ids = Identifiers.build(names=["阿依古丽·买买提", "古丽米拉·吐尔逊"])
    # A blurred middle dot read as an unsure "0" inside the name: still the name.
    assert match_identifiers([_line("其中阿依古丽0买买提同志", scores=[0.99] * 6 + [0.5] + [0.99] * 5)], ids, SIZE)
    # An unsure row number before someone else's "丽米拉吐尔逊小区" does not complete the name.
    unsure_number = _line("5丽米拉吐尔逊小区", scores=[0.4] + [0.99] * 8)
    assert not match_identifiers([unsure_number], ids, SIZE)


def test_name_under_a_red_seal_is_read_through_the_red_channel() -> None:
    from PIL import ImageDraw, ImageFont

    from demo.corpus import FONT_PATH

    image = Image.new("RGB", (700, 260), "white")
    draw = ImageDraw.Draw(image)
    draw.text((60, 60), "荣誉证书", font=ImageFont.truetype(FONT_PATH, 48), fill=(20, 20, 20))
    draw.text((60, 150), "林伟敏 同志：", font=ImageFont.truetype(FONT_PATH, 40), fill=(20, 20, 20))
    # Red ink strokes of a seal across the name: in grey they read as strokes of the glyphs.
    for i in range(0, 200, 9):
        draw.line((40 + i, 120, 40 + i - 60, 230), fill=(215, 30, 30), width=3)
    draw.ellipse((30, 100, 210, 250), outline=(215, 30, 30), width=8)
    detection = detect(image, Identifiers.build(names=["林伟敏"]), doc_type="award_certificate")
    assert detection.name_found, detection.flag_reasons
    [box] = detection.boxes
    assert box[0] <= 62 and box[2] >= 178 and box[1] <= 152 and box[3] >= 190


def test_small_print_across_a_band_edge_of_the_fine_look_is_found() -> None:
    # A 12-megapixel photo whose name is in print too small for the 800 px reading: the 2,000 px look reads
    # the page in bands; the name sits across the first band's lower edge and must still be covered whole.
    from PIL import ImageDraw, ImageFont

    from masking.detection import FINE_BAND_PX, FINE_DET_SIDE

    font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 22)
    page = Image.new("RGB", (4032, 3024), "white")
    draw = ImageDraw.Draw(page)
    edge = round(FINE_BAND_PX * 4032 / FINE_DET_SIDE)  # the first band's lower edge, in page pixels
    for y in range(edge - 400, edge + 400, 60):
        draw.text((300, y), "继续教育学时登记 专业科目 公需科目 合格", fill="black", font=font)
    draw.rectangle((280, edge - 20, 1800, edge + 20), fill="white")
    draw.text((300, edge - 11), "学员姓名：李建国  学时：30", fill="black", font=font)
    found = detect(page, Identifiers.build(names=["李建国"]), doc_type="ce_certificate")
    assert found.name_found
    name_box = (300 + 5 * 22, edge - 11, 300 + 8 * 22, edge + 11)
    assert any(
        b[0] <= name_box[0] + 4 and b[2] >= name_box[2] - 4 and b[1] <= name_box[1] + 2 and b[3] >= name_box[3] - 2
        for b in found.boxes
    ), found.boxes
