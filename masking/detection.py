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
import math
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
# Share of strongly red (blue) pixels from which a page is also read through its red (blue) channel.
SEAL_INK_SHARE = 0.002
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
    box: Box  # padded: what is proposed for covering
    exact: bool
    score: float
    core: Box | None = None  # the glyphs themselves, unpadded


@dataclass
class Detection:
    boxes: list[Box]
    matches: list[Match]
    confidence: float
    flag_reasons: list[str] = field(default_factory=list)
    line_count: int = 0
    # Degrees (counter-clockwise) the image was turned to read upright; boxes are in the upright image.
    rotation: int = 0
    upright: Image.Image | None = None

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
                        # The finer engine runs rarely and on large inputs: without the arena its
                        # buffers go back after each run instead of staying with the worker.
                        "EngineConfig.onnxruntime.enable_cpu_mem_arena": det_side <= DET_SIDE,
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


# The finer look reads the page in overlapping horizontal bands: the detector's working memory grows with
# the area it sees at once (a 4032x3024 photo read whole at 2,000 px held ~2 GB; in bands ~1.2 GB,
# benchmarks/ocr_memory_bench.py). Heights at detection scale; the look is for print under ~27 px there, so
# a 64 px overlap holds every such line whole in one band.
FINE_BAND_PX = 1024
FINE_BAND_OVERLAP_PX = 64


def fine_reading(image: Image.Image) -> list[OcrLine]:
    """The page read at FINE_DET_SIDE in bands, in the page's coordinates (lines in two bands come twice;
    the matches of both merge into one box)."""
    width, height = image.size
    # Bands span the full width, so the detector scales each band by its width (a band taller than wide is
    # under FINE_DET_SIDE on both sides and is not scaled); a page no taller than one band is one band.
    scale = min(1.0, FINE_DET_SIDE / width)
    band, overlap = round(FINE_BAND_PX / scale), round(FINE_BAND_OVERLAP_PX / scale)
    lines: list[OcrLine] = []
    top = 0
    while True:
        bottom = min(height, top + band)
        lines += _shifted(ocr_image(image.crop((0, top, width, bottom)), FINE_DET_SIDE), top)
        if bottom >= height:
            return lines
        top = bottom - overlap


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


def _core_box(chars: Sequence[OcrChar]) -> Box:
    return (
        int(min(c.box[0] for c in chars)),
        int(min(c.box[1] for c in chars)),
        math.ceil(max(c.box[2] for c in chars)),
        math.ceil(max(c.box[3] for c in chars)),
    )


def _match(kind: str, chars: Sequence[OcrChar], exact: bool, image_size: tuple[int, int]) -> Match:
    score = min(c.score for c in chars)
    return Match(kind, _union_box(chars, image_size), exact, score, _core_box(chars))


def _readable(row: Sequence[OcrChar]) -> list[OcrChar]:
    return [c for c in row if _normalise_char(c.text) not in SEPARATORS and c.text.strip()]


def _broken_names(rows: Sequence[Sequence[OcrChar]], names: Sequence[str], image_size: tuple[int, int]) -> list[Match]:
    """A name that running text breaks over two lines ("…职工李" / "建国同志…"): the end of one row and the
    start of the row right below it, which begins at the paragraph's left edge. Exact characters only."""
    matches: list[Match] = []
    readable = [_readable(row) for row in rows]
    for upper, lower in itertools.pairwise(readable):
        if not upper or not lower:
            continue
        height = max(upper[-1].height, lower[0].height, 1.0)
        below = lower[0].box[1] - upper[-1].box[3]
        starts_left = lower[0].box[0] <= min(c.box[0] for c in upper) + 1.5 * height
        if not (-0.3 * height <= below <= 1.8 * height and starts_left):
            continue
        for name in names:
            for k in range(1, len(name)):
                head, tail = upper[-k:], lower[: len(name) - k]
                if len(head) != k or len(tail) != len(name) - k:
                    continue
                if all(_chars_equal(e, g) for e, g in zip(name, [*head, *tail], strict=True)):
                    matches += [_match("name", head, True, image_size), _match("name", tail, True, image_size)]
    return matches


def _targets(identifiers: Identifiers) -> list[tuple[str, str, int, bool]]:
    """(kind, text, substitutions allowed, near misses allowed) for each identifier."""
    targets: list[tuple[str, str, int, bool]] = [("name", name, 0, True) for name in identifiers.names]
    # Two misread digits out of 18 still point at this one person.
    targets += [("id_number", id_number, 2, False) for id_number in identifiers.id_numbers]
    targets += [("phone", phone, 1, False) for phone in identifiers.phones]
    return targets


def match_identifiers(lines: Sequence[OcrLine], identifiers: Identifiers, image_size: tuple[int, int]) -> list[Match]:
    matches: list[Match] = []
    rows = _rows(lines)
    for row in rows:
        for kind, target, max_substitutions, near_miss in _targets(identifiers):
            for cand in _find_in_row(row, target, max_substitutions=max_substitutions, allow_near_miss=near_miss):
                matches.append(_match(kind, cand.chars, cand.exact, image_size))
    return matches + _broken_names(rows, identifiers.names, image_size)


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


def _ink_band(array: np.ndarray, ink: np.ndarray, step: int, channel: int) -> tuple[Image.Image, int] | None:
    """The band of rows bearing `ink` (a sampled mask), seen through one colour channel."""
    if ink.mean() < SEAL_INK_SHARE:
        return None
    rows = np.flatnonzero(ink.sum(axis=1) >= 2)
    if rows.size == 0:
        return None
    height = array.shape[0]
    # Whole rows, with a margin: a name half under the seal still lies wholly inside the band.
    margin = 40 + int(0.03 * height)
    top = max(0, int(rows[0]) * step - margin)
    bottom = min(height, int(rows[-1]) * step + step + margin)
    band = np.ascontiguousarray(array[top:bottom, :, channel])
    return Image.fromarray(np.dstack([band, band, band])), top


def seal_suppressed(image: Image.Image) -> list[tuple[Image.Image, int]]:
    """The bands of the page bearing red or blue ink (an official seal), each seen through the channel of
    its own colour: the seal turns as pale as the paper while black print stays dark, so a name under it
    becomes legible. Returns (band, top offset) pairs; none for a page without coloured ink."""
    array = np.asarray(image.convert("RGB"))
    step = 4
    sample = array[::step, ::step].astype(np.int16)
    r, g, b = sample[..., 0], sample[..., 1], sample[..., 2]
    red = (r > 90) & (r - g > 50) & (r - b > 50)
    blue = (b > 90) & (b - r > 50) & (b - g > 30)
    bands = [_ink_band(array, red, step, 0), _ink_band(array, blue, step, 2)]
    return [band for band in bands if band is not None]


def red_suppressed(image: Image.Image) -> tuple[Image.Image, int] | None:
    """The red-seal band alone (kept for callers reading only red seals)."""
    array = np.asarray(image.convert("RGB"))
    sample = array[::4, ::4].astype(np.int16)
    r, g, b = sample[..., 0], sample[..., 1], sample[..., 2]
    return _ink_band(array, (r > 90) & (r - g > 50) & (r - b > 50), 4, 0)


def _shifted(lines: Sequence[OcrLine], dy: float) -> list[OcrLine]:
    def move(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (box[0], box[1] + dy, box[2], box[3] + dy)

    return [
        OcrLine(line.text, line.score, move(line.box), tuple(OcrChar(c.text, c.score, move(c.box)) for c in line.chars))
        for line in lines
    ]


# Whole-page orientation: a page whose first reading looks like this is tried in the other three
# orientations (sideways text reads as tall boxes; upside-down text as weak characters).
TALL_LINE_SHARE = 0.5
ORIENT_CONFIDENCE = 0.88
# A turned reading must beat the page as uploaded by this factor to be believed.
ORIENT_MARGIN = 1.25
# Text lower than this (px, at detection resolution) is near the detector's limit.
SMALL_PRINT_PX = 11
# A text box this many times taller than wide is a vertical column of characters.
VERTICAL_ASPECT = 1.8


def _is_tall(line: OcrLine) -> bool:
    return (line.box[3] - line.box[1]) >= VERTICAL_ASPECT * max(line.box[2] - line.box[0], 1.0)


def _reading_quality(lines: Sequence[OcrLine]) -> float:
    """How well a reading reads: confident characters in lying (horizontal) text boxes."""
    return sum(c.score for line in lines if not _is_tall(line) for c in line.chars if c.score >= 0.8)


def _looks_turned(lines: Sequence[OcrLine]) -> bool:
    if not lines:
        return True
    tall = sum(_is_tall(line) for line in lines if len(line.text) >= 2) / len(lines)
    return tall >= TALL_LINE_SHARE or page_confidence(lines) < ORIENT_CONFIDENCE


def upright_reading(image: Image.Image) -> tuple[Image.Image, int, list[OcrLine]]:
    """The page turned upright (by a multiple of 90°, counter-clockwise) and its reading. A page that
    reads well as uploaded costs one reading; otherwise the other three orientations are read too."""
    lines = ocr_image(image)
    if not _looks_turned(lines):
        return image, 0, lines
    best = (image, 0, lines, _reading_quality(lines))
    for angle in (90, 180, 270):
        turned = image.rotate(angle, expand=True)
        reading = ocr_image(turned)
        quality = _reading_quality(reading)
        if quality > best[3] * ORIENT_MARGIN and quality > 0:
            best = (turned, angle, reading, quality)
    return best[0], best[1], best[2]


def _ink_segments(column: np.ndarray, width: int) -> list[tuple[int, int]]:
    """Vertical extents of the characters in a column crop (grey), from its row profile of dark pixels;
    gaps shorter than a fifth of the column width are inside a character (二, 宁)."""
    threshold = min(128.0, float(column.mean()) - 40.0)
    inked = np.flatnonzero((column < threshold).sum(axis=1) > 0)
    if inked.size == 0:
        return []
    segments: list[list[int]] = [[int(inked[0]), int(inked[0])]]
    for row in inked[1:]:
        if row - segments[-1][1] <= max(2, width // 5):
            segments[-1][1] = int(row)
        else:
            segments.append([int(row), int(row)])
    # A segment much shorter than wide may be half of a character split by a wider gap (三, 亖): join it
    # to its nearer neighbour while the result stays no taller than a character.
    merged: list[list[int]] = []
    for seg in segments:
        if (
            merged
            and (seg[1] - merged[-1][0]) <= 1.15 * width
            and ((seg[1] - seg[0]) < 0.45 * width or (merged[-1][1] - merged[-1][0]) < 0.45 * width)
        ):
            merged[-1][1] = seg[1]
        else:
            merged.append(seg)
    return [(a, b + 1) for a, b in merged]


def vertical_lines(image: Image.Image, lines: Sequence[OcrLine]) -> list[OcrLine]:
    """Columns of text written top to bottom, read character by character: each column is cut into its
    characters, laid side by side in a strip, read, and the characters mapped back to the column."""
    gray = np.asarray(image.convert("L"))
    result: list[OcrLine] = []
    for line in lines:
        if not _is_tall(line):
            continue
        x0, y0 = max(0, int(line.box[0]) - 2), max(0, int(line.box[1]) - 2)
        x1, y1 = min(gray.shape[1], math.ceil(line.box[2]) + 2), min(gray.shape[0], math.ceil(line.box[3]) + 2)
        width = x1 - x0
        segments = _ink_segments(gray[y0:y1, x0:x1], width)
        if len(segments) < 2:
            continue
        cell = max(width, max(b - a for a, b in segments))
        gap = cell // 3
        strip = Image.new("L", (len(segments) * (cell + gap) + gap, cell + 2 * gap), 255)
        for i, (a, b) in enumerate(segments):
            piece = Image.fromarray(np.ascontiguousarray(gray[y0 + a : y0 + b, x0:x1]))
            strip.paste(piece, (gap + i * (cell + gap) + (cell - width) // 2, gap + (cell - (b - a)) // 2))
        chars: list[OcrChar] = []
        for strip_line in ocr_image(strip.convert("RGB")):
            for ch in strip_line.chars:
                index = int(((ch.box[0] + ch.box[2]) / 2 - gap / 2) // (cell + gap))
                if 0 <= index < len(segments):
                    a, b = segments[index]
                    chars.append(OcrChar(ch.text, ch.score, (float(x0), float(y0 + a), float(x1), float(y0 + b))))
        if chars:
            text = "".join(c.text for c in chars)
            result.append(OcrLine(text, min(c.score for c in chars), line.box, tuple(chars)))
    return result


def _match_columns(columns: Sequence[OcrLine], identifiers: Identifiers, size: tuple[int, int]) -> list[Match]:
    # Each column alone: _rows would join side-by-side columns into one row.
    matches: list[Match] = []
    for column in columns:
        # Stack the characters left to right (same x) so the row matcher reads them in order.
        flat = [OcrChar(c.text, c.score, c.box) for c in column.chars]
        for kind, target, subs, near in _targets(identifiers):
            for cand in _find_in_row(flat, target, max_substitutions=subs, allow_near_miss=near):
                matches.append(_match(kind, cand.chars, cand.exact, size))
    return matches


def _small_print(lines: Sequence[OcrLine], image: Image.Image) -> bool:
    """Text that the detector saw at under SMALL_PRINT_PX high: more lines that small may have gone unseen."""
    scale = DET_SIDE / max(image.size)
    return any((line.box[3] - line.box[1]) * scale < SMALL_PRINT_PX for line in lines if not _is_tall(line))


def _contrast_stretched(image: Image.Image) -> Image.Image:
    """A faint photocopy with its grey range stretched to black on white."""
    return ImageOps.autocontrast(image.convert("L"), cutoff=1).convert("RGB")


def detect(
    image: Image.Image,
    identifiers: Identifiers,
    *,
    doc_type: str = "",
    lines: Sequence[OcrLine] | None = None,
    orient: bool = True,
) -> Detection:
    """OCR the image (unless `lines` are given) and propose boxes over the applicant's identifiers.

    A page that reads poorly is first turned upright (tried in all four orientations; `orient=False`
    skips this, e.g. for a copy already upright); boxes are then in the upright page's coordinates and
    `Detection.upright` holds it. Columns of vertical text are read character by character; where a page
    bears red or blue ink, that band is read again through the channel of its colour (a seal over the
    name hides it from the first reading); a page without any of the names is read again contrast-
    stretched when faint and at full resolution when large. The matches of every reading count.
    """
    rotation = 0
    passes: list[Sequence[OcrLine]]
    if lines is not None:
        passes = [lines]
    else:
        if orient:
            image, rotation, first = upright_reading(image)
        else:
            first = ocr_image(image)
        passes = [first]
        for band, top in seal_suppressed(image):
            passes.append(_shifted(ocr_image(band), top))
    matches = [m for reading in passes for m in match_identifiers(reading, identifiers, image.size)]
    if lines is None:
        matches += _match_columns(vertical_lines(image, passes[0]), identifiers, image.size)

    def name_missing() -> bool:
        return lines is None and bool(identifiers.names) and not any(m.kind == "name" for m in matches)

    if name_missing() and page_confidence(passes[0]) < ORIENT_CONFIDENCE:
        stretched = ocr_image(_contrast_stretched(image))
        passes.append(stretched)
        matches += match_identifiers(stretched, identifiers, image.size)
    if lines is None and max(image.size) > 1.25 * DET_SIDE and (name_missing() or _small_print(passes[0], image)):
        # No name on a large page, or print so small that the first look may have missed lines of it: look
        # again at (nearly) full resolution before concluding.
        fine = fine_reading(image)
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
        rotation=rotation,
        upright=image if rotation else None,
    )


def boxes_in_source(boxes: Iterable[Box], rotation: int, source_size: tuple[int, int]) -> list[Box]:
    """Boxes of the upright page mapped back onto the page as uploaded (turned `rotation`° CCW to upright)."""
    width, height = source_size
    result: list[Box] = []
    for x0, y0, x1, y1 in boxes:
        if rotation == 90:  # upright (x, y) came from source (W - y, x)
            box = (width - y1, x0, width - y0, x1)
        elif rotation == 180:
            box = (width - x1, height - y1, width - x0, height - y0)
        elif rotation == 270:  # upright (x, y) came from source (y, H - x)
            box = (y0, height - x1, y1, height - x0)
        else:
            box = (x0, y0, x1, y1)
        result.append(box)
    return result


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
