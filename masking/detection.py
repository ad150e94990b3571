"""Finding the applicant's own identifiers on a document image (pure Python, no Django models).

OCR (rapidocr, the PP-OCR models shipped inside its wheel, one box per character) gives lines of
characters; we then look for what we already know about the applicant — name(s), the 18-digit ID
number, the mobile number — deterministically. This is not a generic name recogniser: knowing the
exact strings lets us match them even when OCR spaces them out, splits them over two text boxes, or
misreads one character, without covering other people's names.

Fail closed: when OCR is unsure of the page, or a document that always bears the holder's name shows
none of it, the result is flagged so the applicant masks it by hand instead of it passing silently.
"""

from __future__ import annotations

import itertools
import os
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from dossiers.sections import NAME_BEARING_DOC_TYPES

Box = tuple[int, int, int, int]

# Characters people and printers put between the characters of a name ("李 建 国", "阿依古丽·买买提").
SEPARATORS = frozenset(" \t\u3000·•・.．-－—_~|／/\\、,，:：;；()（）[]【】\"'“”‘’")

# Pairs of characters OCR confuses on printed and photographed documents; a name with one of these
# swapped is still the applicant's name. Each string is one group of mutually confusable characters.
CONFUSABLE_GROUPS = (
    "己已巳",
    "末未",
    "士土",
    "王玉主",
    "日曰",
    "人入八",
    "千干于",
    "大太犬",
    "刀力",
    "天夭",
    "白自",
    "今令",
    "戊戌戍",
    "候侯",
    "壁璧",
    "晴睛",
    "辨辩辫",
    "贝见",
    "免兔",
    "拔拨",
    "折拆",
    "丙两",
    "历厉",
    "析折",
    "微徽",
    "杨扬",
    "洁浩",
    "斌武",
    "兰竺",
    "建健",
    "明朋",
    "玲铃",
    "丽雨",
    "娟绢",
    "静睁",
    "峰锋",
    "0OoD",
    "1Il|",
    "5S",
    "8B",
    "2Z",
)
_CONFUSABLE: dict[str, frozenset[str]] = {}
for _group in CONFUSABLE_GROUPS:
    for _ch in _group:
        _CONFUSABLE[_ch] = _CONFUSABLE.get(_ch, frozenset()) | frozenset(_group)

# An OCR character below this score may be a misreading: one such character inside an otherwise exact
# name (of 3+ characters) still counts as the name.
UNSURE_CHAR_SCORE = 0.85
# At the first or last character the reading must be weaker still: next to the name's edge sits other
# text, e.g. another person whose given name is the applicant's.
EDGE_UNSURE_CHAR_SCORE = 0.6
# Non-Chinese marks below this score inside a name are taken for noise.
JUNK_CHAR_SCORE = 0.8
# Page-level confidence below which the image is flagged for manual masking.
LOW_PAGE_CONFIDENCE = 0.80
# Share of weak characters (score < WEAK_CHAR_SCORE) above which the page is flagged.
WEAK_CHAR_SCORE = 0.6
WEAK_CHAR_SHARE = 0.15
# Share of strongly red pixels from which a page is also read through its red channel (a seal).
RED_INK_SHARE = 0.002
# Consecutive characters of one identifier may be spaced out, but not further apart than this many
# character heights (beyond that they are two different table cells).
MAX_GAP_IN_HEIGHTS = 2.5
# Boxes grow by these shares of the character height so whole glyphs are covered, not just the
# recogniser's estimate of where each character sits.
PAD_X_IN_HEIGHTS = 0.22
PAD_Y_IN_HEIGHTS = 0.15


class FlagReason:
    LOW_CONFIDENCE = "low_confidence"
    NAME_NOT_FOUND = "name_not_found"
    NEAR_MISS = "possible_name"
    NO_TEXT = "no_text"

    LABELS = {
        LOW_CONFIDENCE: "图片文字识别置信度低，请人工检查并遮盖",
        NAME_NOT_FOUND: "该类材料通常载有本人姓名，但未自动识别到，请人工检查并遮盖",
        NEAR_MISS: "发现与本人姓名相近的文字，请人工确认是否需要遮盖",
        NO_TEXT: "未识别到任何文字，请人工检查",
    }


@dataclass(frozen=True)
class OcrChar:
    text: str
    score: float
    box: tuple[float, float, float, float]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[float, float, float, float]
    chars: tuple[OcrChar, ...]


@dataclass(frozen=True)
class Identifiers:
    """What we know about the applicant and look for on the page."""

    names: tuple[str, ...] = ()
    id_numbers: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        *,
        names: Iterable[str | None] = (),
        id_number: str | None = None,
        phone: str | None = None,
    ) -> Identifiers:
        cleaned_names = []
        for name in names:
            key = _normalise_text(name or "")
            # A single character would cover that character everywhere on the page.
            if len(key) >= 2 and key not in cleaned_names:
                cleaned_names.append(key)
        id_key = _normalise_text(id_number or "")
        phone_key = "".join(ch for ch in _normalise_text(phone or "") if ch.isdigit())
        if phone_key.startswith("86") and len(phone_key) == 13:
            phone_key = phone_key[2:]
        return cls(
            names=tuple(cleaned_names),
            id_numbers=(id_key,) if len(id_key) >= 15 else (),
            phones=(phone_key,) if len(phone_key) >= 7 else (),
        )

    def is_empty(self) -> bool:
        return not (self.names or self.id_numbers or self.phones)


@dataclass(frozen=True)
class Match:
    kind: str  # name | id_number | phone
    box: Box
    exact: bool
    score: float


@dataclass
class Detection:
    boxes: list[Box]
    matches: list[Match]
    confidence: float
    flag_reasons: list[str] = field(default_factory=list)
    line_count: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.flag_reasons)

    @property
    def name_found(self) -> bool:
        return any(m.kind == "name" for m in self.matches)


# --- OCR ---------------------------------------------------------------------------------------

_engines: dict[str, Any] = {}
_engine_lock = threading.Lock()
_run_lock = threading.Lock()

# Detection resolution (long side, px) of the normal reading and of the second, finer look taken when a
# large page shows none of the applicant's names (small print shrinks below what the detector sees).
DET_SIDE = 800
FINE_DET_SIDE = 2000
# Inference threads per OCR run. One by default: on a shared 2-core machine two spinning threads lose
# more to waiting for each other than they gain (1.59 vs 1.03 images/s measured under load); run more
# huey worker processes to use more cores.
OCR_THREADS = int(os.environ.get("MASKING_OCR_THREADS", "1"))


def ocr_engine(det_side: int = DET_SIDE) -> Any:
    """A rapidocr engine, loaded once per process and resolution (loading costs ~1.5 s, a page ~0.5 s)."""
    key = str(det_side)
    if key not in _engines:
        with _engine_lock:
            if key not in _engines:
                # why: loading rapidocr costs seconds and its models; only OCR work pays for it.
                from rapidocr import RapidOCR

                _engines[key] = RapidOCR(
                    params={
                        "Global.log_level": "warning",
                        # Keep weak lines: they are what tells us a page is hard to read.
                        "Global.text_score": 0.3,
                        # Attachments are upright (notice 八): the 180° line classifier only costs time.
                        "Global.use_cls": False,
                        # Detect on at most DET_SIDE px on the long side: ~2x faster than full size, and
                        # 16 px print on an A4 scan is still found (benchmarks/masking_benchmark.py).
                        "Det.limit_type": "max",
                        "Det.limit_side_len": det_side,
                        # Recognition pads each batch of lines to its widest: small batches waste less
                        # (measured ~1.4x faster than the default 6), and a memory arena avoids
                        # re-allocating for every differently-shaped batch.
                        "Rec.rec_batch_num": 2,
                        "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
                        "EngineConfig.onnxruntime.intra_op_num_threads": OCR_THREADS,
                        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    }
                )
    return _engines[key]


def load_image(source: str | Path | IO[bytes] | Image.Image) -> Image.Image:
    """An RGB image in display orientation (EXIF rotation applied), detached from its file."""
    if isinstance(source, Image.Image):
        image = source
    else:
        with Image.open(source) as opened:
            opened.load()
            image = opened.copy() if opened.mode == "RGB" else opened.convert("RGB")
            image.info = dict(opened.info)
            exif = opened.getexif()
        if exif.get(0x0112, 1) != 1:
            image.info["exif"] = exif.tobytes()
            image = ImageOps.exif_transpose(image) or image
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _quad_to_box(points: Sequence[Sequence[float]]) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def ocr_image(image: Image.Image, det_side: int = DET_SIDE) -> list[OcrLine]:
    """Lines of text with one box per character, in the image's pixel coordinates."""
    array = np.asarray(image.convert("RGB"))[:, :, ::-1]  # rapidocr expects OpenCV's BGR order
    engine = ocr_engine(det_side)
    with _run_lock:  # one inference at a time per process: the sessions already use every core
        result = engine(np.ascontiguousarray(array), return_word_box=True)
    if result.txts is None or result.boxes is None:
        return []
    lines: list[OcrLine] = []
    word_results = result.word_results or ()
    for index, (text, score, quad) in enumerate(zip(result.txts, result.scores, result.boxes, strict=False)):
        chars: list[OcrChar] = []
        words = word_results[index] if index < len(word_results) else ()
        for word in words or ():
            word_text, word_score, word_quad = word[0], float(word[1]), word[2]
            if not word_text:
                continue
            word_box = _quad_to_box(word_quad)
            if len(word_text) == 1:
                chars.append(OcrChar(word_text, word_score, word_box))
            else:
                # A run of Latin letters/digits comes back as one word: split its box evenly.
                step = (word_box[2] - word_box[0]) / len(word_text)
                for i, ch in enumerate(word_text):
                    x0 = word_box[0] + i * step
                    chars.append(OcrChar(ch, word_score, (x0, word_box[1], x0 + step, word_box[3])))
        if not chars and text:
            # No per-character boxes: spread the line box evenly over its characters.
            line_box = _quad_to_box(quad)
            step = (line_box[2] - line_box[0]) / len(text)
            for i, ch in enumerate(text):
                x0 = line_box[0] + i * step
                chars.append(OcrChar(ch, float(score), (x0, line_box[1], x0 + step, line_box[3])))
        lines.append(OcrLine(text=text, score=float(score), box=_quad_to_box(quad), chars=tuple(chars)))
    return lines


# --- Matching ----------------------------------------------------------------------------------


def _normalise_char(ch: str) -> str:
    return unicodedata.normalize("NFKC", ch).upper()


def _normalise_text(text: str) -> str:
    """The identifier as matched: full-width folded, upper-case, separators removed."""
    return "".join(n for n in (_normalise_char(ch) for ch in text) if n not in SEPARATORS)


def _rows(lines: Sequence[OcrLine]) -> list[list[OcrChar]]:
    """Characters grouped into visual rows: text boxes that sit side by side on one baseline are joined,
    so a name the detector split in two ("李", "建国") is still found."""
    rows: list[tuple[list[float], list[OcrLine]]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        top, bottom = line.box[1], line.box[3]
        height = max(bottom - top, 1.0)
        for row_box, members in rows:
            overlap = min(bottom, row_box[1]) - max(top, row_box[0])
            if overlap >= 0.6 * min(height, row_box[1] - row_box[0]):
                members.append(line)
                row_box[0] = min(row_box[0], top)
                row_box[1] = max(row_box[1], bottom)
                break
        else:
            rows.append(([top, bottom], [line]))
    result = []
    for _, members in rows:
        chars: list[OcrChar] = []
        for line in sorted(members, key=lambda ln: ln.box[0]):
            chars.extend(line.chars)
        result.append(chars)
    return result


@dataclass(frozen=True)
class _Candidate:
    chars: tuple[OcrChar, ...]
    exact: bool


def _chars_equal(expected: str, ocr: OcrChar) -> bool:
    return _normalise_char(ocr.text) == expected


def _is_ideograph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _near_miss_ok(expected: str, ocr: OcrChar, target_length: int, position: int) -> bool:
    got = _normalise_char(ocr.text)
    if got in _CONFUSABLE.get(expected, frozenset()):
        return True
    # An unsure reading of one character inside a longer name: with the other characters exact,
    # that is the name. Not for two-character names, where one exact character proves nothing; and the
    # misreading must still be a Chinese character (a row number or a stray mark next to another
    # person's name sharing the given name must not complete it).
    if target_length < 3 or _is_ideograph(got) != _is_ideograph(expected):
        return False
    at_edge = position in (0, target_length - 1)
    return ocr.score < (EDGE_UNSURE_CHAR_SCORE if at_edge else UNSURE_CHAR_SCORE)


def _is_junk(ocr: OcrChar) -> bool:
    """A stray mark OCR put between a name's characters (a misread middle dot, a speck of noise)."""
    return not _is_ideograph(ocr.text) and ocr.score < JUNK_CHAR_SCORE


def _gaps_ok(chars: Sequence[OcrChar]) -> bool:
    for left, right in itertools.pairwise(chars):
        height = max(left.height, right.height, 1.0)
        if right.box[0] - left.box[2] > MAX_GAP_IN_HEIGHTS * height:
            return False
        if right.box[0] < left.box[0] - 0.5 * height:  # must read left to right
            return False
    return True


def _find_in_row(
    row: Sequence[OcrChar], target: str, *, max_substitutions: int, allow_near_miss: bool
) -> list[_Candidate]:
    """Windows of the row (separators skipped) that read as `target`."""
    seq = [c for c in row if _normalise_char(c.text) not in SEPARATORS and c.text.strip()]
    n = len(target)
    found: list[_Candidate] = []
    i = 0
    while i + n <= len(seq):
        window = seq[i : i + n]
        mismatches = [k for k, (exp, got) in enumerate(zip(target, window, strict=True)) if not _chars_equal(exp, got)]
        accepted = False
        exact = not mismatches
        if exact or len(mismatches) <= max_substitutions:
            accepted = True
        elif allow_near_miss and len(mismatches) == 1:
            k = mismatches[0]
            accepted = _near_miss_ok(target[k], window[k], n, k)
        if accepted and _gaps_ok(window):
            found.append(_Candidate(tuple(window), exact))
            i += n
            continue
        i += 1
    taken = {id(c) for cand in found for c in cand.chars}
    # One stray, unsure non-Chinese mark inside the name ("阿依古丽0买买提" for a blurred middle dot).
    if allow_near_miss and n >= 2:
        for j in range(len(seq) - n):
            window = seq[j : j + n + 1]
            if any(id(c) in taken for c in window):
                continue
            for extra in range(1, n):
                if not _is_junk(window[extra]):
                    continue
                kept = window[:extra] + window[extra + 1 :]
                if all(_chars_equal(e, g) for e, g in zip(target, kept, strict=True)) and _gaps_ok(window):
                    found.append(_Candidate(tuple(window), False))
                    taken.update(id(c) for c in window)
                    break
    # A character OCR dropped altogether from a name of 3+ characters: the remaining ones, in order,
    # with room for the missing glyph between them.
    if allow_near_miss and n >= 3:
        for skip in range(1, n - 1):
            reduced = target[:skip] + target[skip + 1 :]
            for j in range(len(seq) - len(reduced) + 1):
                window = seq[j : j + len(reduced)]
                if any(id(c) in taken for c in window):
                    continue
                if all(_chars_equal(e, g) for e, g in zip(reduced, window, strict=True)):
                    left, right = window[skip - 1], window[skip]
                    height = max(left.height, right.height, 1.0)
                    if 0.5 * height <= right.box[0] - left.box[2] <= (MAX_GAP_IN_HEIGHTS + 1.2) * height:
                        found.append(_Candidate(tuple(window), False))
                        taken.update(id(c) for c in window)
    return found


def _union_box(chars: Sequence[OcrChar], image_size: tuple[int, int]) -> Box:
    height = sorted(c.height for c in chars)[len(chars) // 2]
    pad_x = PAD_X_IN_HEIGHTS * height
    pad_y = PAD_Y_IN_HEIGHTS * height
    width, img_height = image_size
    x0 = max(0, int(min(c.box[0] for c in chars) - pad_x))
    y0 = max(0, int(min(c.box[1] for c in chars) - pad_y))
    x1 = min(width, round(max(c.box[2] for c in chars) + pad_x))
    y1 = min(img_height, round(max(c.box[3] for c in chars) + pad_y))
    return (x0, y0, x1, y1)


def match_identifiers(lines: Sequence[OcrLine], identifiers: Identifiers, image_size: tuple[int, int]) -> list[Match]:
    matches: list[Match] = []
    targets: list[tuple[str, str, int, bool]] = []
    for name in identifiers.names:
        targets.append(("name", name, 0, True))
    for id_number in identifiers.id_numbers:
        # Two misread digits out of 18 still point at this one person.
        targets.append(("id_number", id_number, 2, False))
    for phone in identifiers.phones:
        targets.append(("phone", phone, 1, False))
    for row in _rows(lines):
        for kind, target, max_substitutions, near_miss in targets:
            for cand in _find_in_row(row, target, max_substitutions=max_substitutions, allow_near_miss=near_miss):
                score = min(c.score for c in cand.chars)
                matches.append(Match(kind, _union_box(cand.chars, image_size), cand.exact, score))
    return matches


def _suspicious_partial_names(lines: Sequence[OcrLine], identifiers: Identifiers) -> bool:
    """A row holding all but one character of a 3+ character name, in order and close together:
    could be the name badly read; not masked automatically (it may be someone else), but flagged."""
    for row in _rows(lines):
        seq = [c for c in row if _normalise_char(c.text) not in SEPARATORS]
        for name in identifiers.names:
            n = len(name)
            if n < 3:
                continue
            for i in range(len(seq) - n + 1):
                window = seq[i : i + n]
                same = sum(_chars_equal(e, g) for e, g in zip(name, window, strict=True))
                if same == n - 1 and _gaps_ok(window):
                    return True
    return False


def page_confidence(lines: Sequence[OcrLine]) -> float:
    """Character-weighted mean OCR score of the page (1.0 when there is no text to doubt)."""
    total = sum(len(line.chars) for line in lines)
    if total == 0:
        return 1.0
    return sum(c.score for line in lines for c in line.chars) / total


def red_suppressed(image: Image.Image) -> tuple[Image.Image, int] | None:
    """The band of the page that bears red ink (an official seal), seen through its red channel: red
    turns as pale as the paper while black print stays dark, so a name under a seal becomes legible.
    Returns the band and its top offset, or None if the page has no red ink."""
    array = np.asarray(image.convert("RGB"))
    step = 4
    sample = array[::step, ::step].astype(np.int16)
    r, g, b = sample[..., 0], sample[..., 1], sample[..., 2]
    red = (r > 90) & (r - g > 50) & (r - b > 50)
    if red.mean() < RED_INK_SHARE:
        return None
    rows = np.flatnonzero(red.sum(axis=1) >= 2)
    if rows.size == 0:
        return None
    height = array.shape[0]
    # Whole rows, with a margin: a name half under the seal still lies wholly inside the band.
    margin = 40 + int(0.03 * height)
    top = max(0, int(rows[0]) * step - margin)
    bottom = min(height, int(rows[-1]) * step + step + margin)
    channel = np.ascontiguousarray(array[top:bottom, :, 0])
    return Image.fromarray(np.dstack([channel, channel, channel])), top


def _shifted(lines: Sequence[OcrLine], dy: float) -> list[OcrLine]:
    def move(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (box[0], box[1] + dy, box[2], box[3] + dy)

    return [
        OcrLine(line.text, line.score, move(line.box), tuple(OcrChar(c.text, c.score, move(c.box)) for c in line.chars))
        for line in lines
    ]


def detect(
    image: Image.Image,
    identifiers: Identifiers,
    *,
    doc_type: str = "",
    lines: Sequence[OcrLine] | None = None,
) -> Detection:
    """OCR the image (unless `lines` are given) and propose boxes over the applicant's identifiers.

    Where a page bears red ink, that band is read a second time through the red channel (a seal over
    the name hides it from the first reading); a large page without any of the names is read again at
    full resolution. The matches of every reading count.
    """
    passes: list[Sequence[OcrLine]]
    if lines is not None:
        passes = [lines]
    else:
        passes = [ocr_image(image)]
        red_band = red_suppressed(image)
        if red_band is not None:
            band, top = red_band
            passes.append(_shifted(ocr_image(band), top))
    matches = [m for reading in passes for m in match_identifiers(reading, identifiers, image.size)]
    if (
        lines is None
        and identifiers.names
        and not any(m.kind == "name" for m in matches)
        and max(image.size) > 1.25 * DET_SIDE
    ):
        # No name on a large page: look again at (nearly) full resolution before concluding.
        fine = ocr_image(image, FINE_DET_SIDE)
        passes.append(fine)
        matches += match_identifiers(fine, identifiers, image.size)
    lines = passes[0]
    boxes = merge_boxes([m.box for m in matches])
    confidence = page_confidence(lines)
    reasons: list[str] = []
    char_scores = [c.score for line in lines for c in line.chars]
    weak_share = sum(s < WEAK_CHAR_SCORE for s in char_scores) / len(char_scores) if char_scores else 0.0
    if char_scores and (confidence < LOW_PAGE_CONFIDENCE or weak_share > WEAK_CHAR_SHARE):
        reasons.append(FlagReason.LOW_CONFIDENCE)
    name_found = any(m.kind == "name" for m in matches)
    if doc_type in NAME_BEARING_DOC_TYPES and identifiers.names and not name_found:
        reasons.append(FlagReason.NO_TEXT if not lines else FlagReason.NAME_NOT_FOUND)
    if any(not m.exact for m in matches) or (
        identifiers.names
        and not name_found
        and any(_suspicious_partial_names(reading, identifiers) for reading in passes)
    ):
        reasons.append(FlagReason.NEAR_MISS)
    return Detection(
        boxes=boxes,
        matches=matches,
        confidence=round(confidence, 4),
        flag_reasons=list(dict.fromkeys(reasons)),
        line_count=len(lines),
    )


def merge_boxes(boxes: Iterable[Box]) -> list[Box]:
    """Drop boxes contained in another and merge heavy overlaps; keep the order stable."""
    result: list[Box] = []
    for box in sorted(set(boxes), key=lambda b: (b[1], b[0])):
        for i, other in enumerate(result):
            ix = min(box[2], other[2]) - max(box[0], other[0])
            iy = min(box[3], other[3]) - max(box[1], other[1])
            if ix > 0 and iy > 0:
                smaller = min(_area(box), _area(other))
                if ix * iy >= 0.5 * smaller:
                    result[i] = (
                        min(box[0], other[0]),
                        min(box[1], other[1]),
                        max(box[2], other[2]),
                        max(box[3], other[3]),
                    )
                    break
        else:
            result.append(box)
    return result


def _area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


# --- Rendering ---------------------------------------------------------------------------------


def clamp_boxes(boxes: Iterable[Sequence[float]], size: tuple[int, int]) -> list[Box]:
    """Integer boxes inside the image, corners ordered; empty ones dropped."""
    width, height = size
    result: list[Box] = []
    for raw in boxes:
        if len(raw) != 4:
            raise ValueError("每个遮盖框须为 [x0, y0, x1, y1]")
        x0, y0, x1, y1 = (float(v) for v in raw)
        x0, x1 = sorted((x0, x1))
        y0, y1 = sorted((y0, y1))
        box = (
            max(0, min(width, int(x0))),
            max(0, min(height, int(y0))),
            max(0, min(width, round(x1 + 0.499))),
            max(0, min(height, round(y1 + 0.499))),
        )
        if box[2] > box[0] and box[3] > box[1]:
            result.append(box)
    return result


def render_masked(image: Image.Image, boxes: Iterable[Sequence[float]]) -> Image.Image:
    """A new image: the pixels under every box filled black. Nothing of the source's metadata is kept."""
    # Copy the pixels only: a fresh image carries no EXIF, ICC profile, comments or thumbnails.
    masked = Image.new("RGB", image.size)
    masked.paste(image.convert("RGB"))
    draw = ImageDraw.Draw(masked)
    for x0, y0, x1, y1 in clamp_boxes(boxes, image.size):
        # PIL's rectangle includes its right/bottom edge: stop one pixel short to cover exactly [x0, x1).
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=(0, 0, 0))
    return masked


def save_jpeg(image: Image.Image, target: str | Path | IO[bytes]) -> None:
    # High quality so the masked copy stays legible for the experts; no exif/icc arguments → none written.
    image.save(target, format="JPEG", quality=92, optimize=True)
