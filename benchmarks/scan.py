"""PII scanner benchmark: precision/recall per type and throughput on the labelled synthetic corpus,
side by side with Microsoft Presidio when it is installed (``pip install -e .[bench]``).

    python benchmarks/scan.py [DOCUMENTS] [--seed S] [--widths]
                              [--presidio-documents N] [--no-presidio]

``--widths`` writes every value, decoy and statistic of the corpus full-width or mixed-width
(１１０１０１…２８Ｘ, １３８-1234-５６７８): the recall per type is then the recall on
width variants (issue 19 item 8; measured on a seed not used while developing, docs/scan.md §5).

Presidio runs offline: its NLP engine is a blank spaCy Chinese pipeline (no model download; the
character tokenizer ships with spaCy), its recognizers are the pattern ones that apply to China
(e-mail, credit card, phone numbers for region CN) plus a PatternRecognizer for the mainland ID
with MOD 11-2 check-character validation. Both detectors get the same extracted texts; the speed
ratio compares detection throughput on those texts (file parsing is the same libraries for both).

Last line: ``speedup_vs_presidio: N``, or ``scan_mb_per_s: N`` when Presidio is not installed.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from headcount.scan.corpus import generate
from headcount.scan.evaluate import Evaluation, evaluate, evaluate_texts, extracted_texts, merge
from headcount.scan.findings import PII_TYPES, PiiType
from headcount.scan.numbers import ascii_digits
from headcount.scan.recognizers import Scanner

# The types Presidio can find without a NER model, and our names for them.
SHARED: tuple[PiiType, ...] = ("citizen_id", "mobile", "landline", "bank_card", "email")
Detector = Callable[[list[str]], list[list[tuple[PiiType, int, int]]]]


def presidio_detector() -> Detector | None:
    try:
        import spacy
        import tldextract
        from presidio_analyzer import (
            AnalyzerEngine,
            BatchAnalyzerEngine,
            Pattern,
            PatternRecognizer,
            RecognizerRegistry,
        )
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            PhoneRecognizer,
        )
    except ImportError:
        return None
    from headcount.identity.citizen_id import check_char

    # tldextract (used by the e-mail recognizer) would fetch the public suffix list: use the
    # snapshot it ships instead.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    class BlankChinese(SpacyNlpEngine):  # type: ignore[misc]
        """spaCy's blank zh pipeline: a character tokenizer, nothing to download."""

        def __init__(self) -> None:
            super().__init__(models=[{"lang_code": "zh", "model_name": "blank"}])
            self.nlp = {"zh": spacy.blank("zh")}

        def load(self) -> None:
            pass

    class MainlandIdRecognizer(PatternRecognizer):  # type: ignore[misc]
        def validate_result(self, pattern_text: str) -> bool:
            text = pattern_text.upper()
            head = text[:17]
            return head.isascii() and head.isdigit() and check_char(head) == text[17]

    mainland_id = MainlandIdRecognizer(
        supported_entity="CN_ID",
        supported_language="zh",
        patterns=[Pattern("cn_id", r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])", 0.5)],
        context=["身份证", "身份号码", "证件"],
    )
    registry = RecognizerRegistry(supported_languages=["zh"])
    registry.add_recognizer(mainland_id)
    registry.add_recognizer(EmailRecognizer(supported_language="zh"))
    registry.add_recognizer(CreditCardRecognizer(supported_language="zh"))
    registry.add_recognizer(PhoneRecognizer(supported_language="zh", supported_regions=["CN"]))
    engine = AnalyzerEngine(
        registry=registry, nlp_engine=BlankChinese(), supported_languages=["zh"]
    )
    kinds = {"CN_ID": "citizen_id", "CREDIT_CARD": "bank_card", "EMAIL_ADDRESS": "email"}

    batch = BatchAnalyzerEngine(analyzer_engine=engine)

    def one(text: str, results: Iterable[Any]) -> list[tuple[PiiType, int, int]]:
        out: list[tuple[PiiType, int, int]] = []
        for r in results:
            if r.entity_type == "PHONE_NUMBER":
                digits = ascii_digits(text[r.start : r.end]).removeprefix("86")
                kind: PiiType = "mobile" if digits.startswith("1") else "landline"
            elif r.entity_type in kinds:
                kind = kinds[r.entity_type]  # type: ignore[assignment]
            else:
                continue
            out.append((kind, r.start, r.end))
        return out

    def detect(texts: list[str]) -> list[list[tuple[PiiType, int, int]]]:
        results = batch.analyze_iterator(texts, language="zh")
        return [one(text, found) for text, found in zip(texts, results, strict=True)]

    return detect


def table(title: str, evaluation: Evaluation, types: Iterable[PiiType]) -> None:
    print(f"\n{title}")
    print(f"{'type':16} {'labels':>7} {'found':>7} {'precision':>10} {'recall':>8}")
    for t in types:
        s = evaluation.scores[t]
        print(f"{t:16} {s.tp + s.fn:7} {s.tp + s.fp:7} {s.precision:10.4f} {s.recall:8.4f}")
    total = evaluation.total(types)
    print(
        f"{'all':16} {total.tp + total.fn:7} {total.tp + total.fp:7} "
        f"{total.precision:10.4f} {total.recall:8.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="?", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--widths", action="store_true", help="every value full-width or mixed-width"
    )
    parser.add_argument(
        "--presidio-documents", type=int, default=None, help="compare on the first N documents"
    )
    parser.add_argument("--no-presidio", action="store_true", help="skip the side-by-side run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="headcount-scan-bench-") as folder:
        started = time.perf_counter()
        corpus = generate(Path(folder), args.documents, seed=args.seed, widths=args.widths)
        print(
            f"corpus: {len(corpus.files)} documents, {len(corpus.labels)} labelled values, "
            f"{corpus.decoys} decoys, seed {args.seed}"
            f"{', full-/mixed-width values' if args.widths else ''}, "
            f"generated in {time.perf_counter() - started:.1f} s"
        )
        ours = evaluate(corpus)
        table("headcount scan (end to end, all formats)", ours, PII_TYPES)
        print(
            f"\nfiles: {ours.file_bytes / 1e6:.2f} MB in {ours.seconds:.2f} s "
            f"= {ours.mb_per_s:.2f} MB/s (open, extract, detect)"
        )

        texts = extracted_texts(corpus)
        if args.presidio_documents is not None:
            texts = dict(list(texts.items())[: args.presidio_documents])
        scanner = Scanner()

        def our_detector(units: list[str]) -> list[list[tuple[PiiType, int, int]]]:
            found = scanner.scan_many(units, [""] * len(units))
            return [[(h.type, h.start, h.end) for h in hits if h.blocking] for hits in found]

        presidio = None if args.no_presidio else presidio_detector()
        detectors: dict[str, Detector] = {"ours": our_detector}
        if presidio is not None:
            detectors["presidio"] = presidio
        parts: dict[str, dict[str, Evaluation]] = {}
        for kind in ("notice", "bulletin"):
            subset = {p: t for p, t in texts.items() if p.name.startswith(kind)}
            parts[kind] = evaluate_texts(corpus, subset, detectors, SHARED)
        ours_text = merge(p["ours"] for p in parts.values())
        print(
            f"detection on extracted text: {ours_text.text_bytes / 1e6:.2f} MB in "
            f"{ours_text.detect_seconds:.3f} s = {ours_text.text_mb_per_s:.2f} MB/s"
        )
        if presidio is None:
            print(
                "\npresidio-analyzer is not installed or --no-presidio: skipping the side-by-side "
                "run (pip install -e '.[bench]' to add it)"
            )
            print(f"scan_mb_per_s: {ours.mb_per_s:.2f}")
            return
        theirs = merge(p["presidio"] for p in parts.values())
        table("headcount scan, shared types, same texts", ours_text, SHARED)
        table("presidio-analyzer (patterns + CN ID recognizer, blank zh)", theirs, SHARED)
        print(
            f"presidio: {theirs.text_bytes / 1e6:.2f} MB in {theirs.detect_seconds:.2f} s "
            f"= {theirs.text_mb_per_s:.3f} MB/s"
        )
        for kind, part in parts.items():
            a, b = part["ours"], part["presidio"]
            if a.text_bytes:
                print(
                    f"{kind}s only: ours {a.text_mb_per_s:.2f} MB/s, presidio "
                    f"{b.text_mb_per_s:.3f} MB/s, ratio {a.text_mb_per_s / b.text_mb_per_s:.1f}"
                )
        print(f"speedup_vs_presidio: {ours_text.text_mb_per_s / theirs.text_mb_per_s:.1f}")


if __name__ == "__main__":
    main()
