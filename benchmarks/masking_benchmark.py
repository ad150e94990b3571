"""Name masking, ours vs Presidio's image redactor, side by side on the same generated documents.

    .venv/bin/pip install -r requirements/bench.txt        # Presidio + spaCy (benchmark only)
    apt-get install -y tesseract-ocr tesseract-ocr-chi-sim  # Presidio's OCR
    .venv/bin/python benchmarks/masking_benchmark.py [--count 48] [--seed 2023] [--corpus DIR] [--skip-presidio]

Prints, per tool: recall of name occurrences (masked when ≥ 95 % of its ground-truth box is covered),
the share of other text's area covered, and images per second (each tool in its own process with its
models loaded beforehand, one image at a time, the tools taking turns every 7 images). Both tools get
only the applicant's name(s), as `mask_names` does.
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

from demo.corpus import Sample, Score, load_sample, score, write_corpus
from masking.detection import Identifiers, detect, load_image, ocr_engine

Boxes = list[list[float]]


@dataclass
class Result:
    tool: str
    total: Score = field(default_factory=Score)
    seconds: float = 0.0
    images: int = 0
    by_type: dict[str, Score] = field(default_factory=dict)

    def add(self, sample: Sample, part: Score) -> None:
        self.total.add(part)
        self.by_type.setdefault(sample.doc_type + (" (photo)" if sample.photographed else ""), Score()).add(part)


def ours() -> Callable[[Image.Image, Sample], Boxes]:
    ocr_engine()  # load once, as the worker does

    def run(image: Image.Image, sample: Sample) -> Boxes:
        return [list(b) for b in detect(image, Identifiers.build(names=[sample.name])).boxes]

    return run


def presidio() -> Callable[[Image.Image, Sample], Boxes]:
    """Configured for Chinese as well as it allows offline (shared/notes/masking-reference.md):
    a blank spaCy zh pipeline, Tesseract chi_sim, and a regex recogniser of the name's characters
    joined by optional whitespace (Tesseract splits Chinese into space-separated pieces)."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_image_redactor import ImageAnalyzerEngine, ImageRedactorEngine, TesseractOCR

    model_dir = Path(tempfile.mkdtemp()) / "zh_blank"
    spacy.blank("zh").to_disk(model_dir)
    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "zh", "model_name": str(model_dir)}]}
    )
    analyzer = AnalyzerEngine(
        nlp_engine=provider.create_engine(),
        registry=RecognizerRegistry(supported_languages=["zh"]),
        supported_languages=["zh"],
    )
    engine = ImageRedactorEngine(ImageAnalyzerEngine(analyzer_engine=analyzer, ocr=TesseractOCR()))

    def run(image: Image.Image, sample: Sample) -> Boxes:
        chars = [ch for ch in sample.name if ch not in "·・. "]
        pattern = r"[\s·・.]*".join(re.escape(ch) for ch in chars)
        recogniser = PatternRecognizer(
            supported_entity="APPLICANT_NAME",
            supported_language="zh",
            patterns=[Pattern("applicant_name", pattern, 0.9)],
        )
        _, found = engine.redact_and_return_bbox(
            image, ocr_kwargs={"lang": "chi_sim"}, ad_hoc_recognizers=[recogniser], language="zh"
        )
        return [[b.left, b.top, b.left + b.width, b.top + b.height] for b in found]

    return run


# Each tool runs in its own process with its models loaded once: Presidio starts a Tesseract child per
# image, and the forks of a process holding rapidocr's memory would otherwise be billed to rapidocr.
_RUNNER: Callable[[Image.Image, Sample], Boxes] | None = None


def _init_worker(tool: str) -> None:
    global _RUNNER
    _RUNNER = ours() if tool == "ours" else presidio()


def _run_chunk(paths: list[str]) -> list[tuple[Boxes, float]]:
    assert _RUNNER is not None
    out = []
    for path in paths:
        image, sample = load_image(Path(path).with_suffix(".jpg")), load_sample(Path(path))
        started = time.perf_counter()
        boxes = _RUNNER(image, sample)
        out.append((boxes, time.perf_counter() - started))
    return out


def evaluate(tools: list[tuple[str, str]], paths: list[Path], chunk: int = 7) -> list[Result]:
    """The tools take turns chunk by chunk, so a change in the machine's load (other processes) weighs
    on all alike; each tool's time is only its own calls on already-loaded images."""
    context = multiprocessing.get_context("spawn")
    pools = [context.Pool(1, initializer=_init_worker, initargs=(key,)) for key, _ in tools]
    results = [Result(name) for _, name in tools]
    try:
        for pool in pools:  # load the models before the clock starts
            pool.apply(_run_chunk, ([],))
        for start in range(0, len(paths), chunk):
            part = paths[start : start + chunk]
            for pool, result in zip(pools, results, strict=True):
                for path, (boxes, seconds) in zip(part, pool.apply(_run_chunk, ([str(p) for p in part],)), strict=True):
                    sample = load_sample(path)
                    with Image.open(path.with_suffix(".jpg")) as image:
                        size = image.size
                    result.add(sample, score(sample, boxes, size))
                    result.seconds += seconds
                    result.images += 1
    finally:
        for pool in pools:
            pool.terminate()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--corpus", type=Path, help="read (or write, if empty) the corpus here")
    parser.add_argument("--skip-presidio", action="store_true")
    args = parser.parse_args()

    corpus = args.corpus or Path(tempfile.mkdtemp(prefix="masking-corpus-"))
    if not any(corpus.glob("*.json")):
        write_corpus(corpus, args.count, args.seed)
    paths = sorted(corpus.glob("*.json"))
    samples = [load_sample(p) for p in paths]
    names = sum(len(s.names) for s in samples)
    photos = sum(s.photographed for s in samples)
    print(f"corpus: {corpus} — {len(paths)} images ({photos} photographed), {names} name occurrences")

    tools = [("ours", "ours (rapidocr + identifier matching)")]
    if not args.skip_presidio:
        tools.append(("presidio", "presidio-image-redactor (tesseract chi_sim)"))
    results = evaluate(tools, paths)

    print()
    header = ["name recall (>=95%)", "names >=50% covered", "other text covered", "images/s"]
    print(f"{'tool':<46} {header[0]:>20} {header[1]:>20} {header[2]:>19} {header[3]:>9}")
    for r in results:
        recall = f"{r.total.recall:.1%} ({r.total.names_masked}/{r.total.names_total})"
        touched = f"{r.total.names_touched / max(1, r.total.names_total):.1%}"
        speed = r.images / r.seconds
        print(f"{r.tool:<46} {recall:>20} {touched:>20} {r.total.other_covered_share:>19.2%} {speed:>9.2f}")
    if len(results) == 2:
        ratio = (results[0].images / results[0].seconds) / (results[1].images / results[1].seconds)
        print(f"\nspeed ratio ours/presidio: {ratio:.1f}x")
    print("\nrecall by document type:")
    kinds = sorted({k for r in results for k in r.by_type})
    print(f"{'type':<28}" + "".join(f"{r.tool.split()[0]:>14}" for r in results))
    for kind in kinds:
        cells = "".join(f"{r.by_type[kind].recall:>13.0%} " if kind in r.by_type else f"{'-':>14}" for r in results)
        print(f"{kind:<28}{cells}")


if __name__ == "__main__":
    main()
