"""Precision, recall and throughput of a detector on the labelled corpus.

A detection counts as correct when its type matches a label of the same file and its value is the
labelled value once normalised (digits without separators for numbers; an address may start
earlier or later than its label, since where an address starts is a matter of taste, but must end
at the same place). Detections of values
that were already masked and expose nothing are not counted either way.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from headcount.scan import masks
from headcount.scan.corpus import Corpus
from headcount.scan.extract import open_document
from headcount.scan.findings import PII_TYPES, PiiType
from headcount.scan.recognizers import Scanner
from headcount.scan.report import detect

# A detector for side-by-side runs: the texts of one document in, (type, start, end) per text out.
TextDetector = Callable[[list[str]], list[list[tuple[PiiType, int, int]]]]


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass(slots=True)
class Evaluation:
    scores: dict[PiiType, Score] = field(default_factory=lambda: {t: Score() for t in PII_TYPES})
    file_bytes: int = 0
    text_bytes: int = 0
    seconds: float = 0.0  # open + extract + detect, the end-to-end scan
    detect_seconds: float = 0.0  # detection on the extracted text only

    def total(self, types: Iterable[PiiType] = PII_TYPES) -> Score:
        out = Score()
        for t in types:
            out.tp += self.scores[t].tp
            out.fp += self.scores[t].fp
            out.fn += self.scores[t].fn
        return out

    @property
    def mb_per_s(self) -> float:
        return self.file_bytes / 1e6 / self.seconds if self.seconds else 0.0

    @property
    def text_mb_per_s(self) -> float:
        return self.text_bytes / 1e6 / self.detect_seconds if self.detect_seconds else 0.0


def _same(kind: PiiType, found: str, label: str) -> bool:
    a, b = masks.normalized(kind, found), masks.normalized(kind, label)
    if kind == "address":
        # Where an address starts is a matter of taste (with or without the province); where it
        # ends is not: both must reach the same door, building and room.
        return bool(a) and (a in b or b in a) and a[-4:] == b[-4:]
    return a == b


def score_file(
    evaluation: Evaluation, labels: list[tuple[PiiType, str]], found: list[tuple[PiiType, str]]
) -> None:
    unmatched = list(labels)
    for kind, value in found:
        match = next(
            (i for i, (k, v) in enumerate(unmatched) if k == kind and _same(k, value, v)), None
        )
        if match is None:
            evaluation.scores[kind].fp += 1
        else:
            evaluation.scores[kind].tp += 1
            unmatched.pop(match)
    for kind, _ in unmatched:
        evaluation.scores[kind].fn += 1


def _labels_by_file(corpus: Corpus) -> dict[str, list[tuple[PiiType, str]]]:
    by_file: dict[str, list[tuple[PiiType, str]]] = defaultdict(list)
    for label in corpus.labels:
        by_file[label.file].append((label.type, label.value))
    return by_file


def evaluate(
    corpus: Corpus, scanner: Scanner | None = None, min_confidence: float = 0.5
) -> Evaluation:
    """Our scanner, end to end on every file of the corpus."""
    scanner = scanner or Scanner()
    evaluation = Evaluation()
    labels = _labels_by_file(corpus)
    for path in corpus.files:
        started = time.perf_counter()
        document = open_document(path)
        detected = detect(document, scanner)
        evaluation.seconds += time.perf_counter() - started
        evaluation.file_bytes += path.stat().st_size
        found = [
            (h.type, unit.text[h.start : h.end])
            for unit, hits in detected
            for h in hits
            if h.blocking and h.confidence >= min_confidence
        ]
        score_file(evaluation, labels[str(path)], found)
    return evaluation


def extracted_texts(corpus: Corpus) -> dict[Path, list[str]]:
    """The text units of every file, for detectors that only take text."""
    return {path: [u.text for u in open_document(path).units()] for path in corpus.files}


def evaluate_texts(
    corpus: Corpus,
    texts: dict[Path, list[str]],
    detectors: dict[str, TextDetector],
    types: Iterable[PiiType],
) -> dict[str, Evaluation]:
    """Text detectors side by side on the extracted units, scored on ``types`` only (what they
    all support). They take turns document by document, so that a machine shared with other work
    slows them alike and the ratio of their speeds stays fair."""
    wanted = set(types)
    results = {name: Evaluation() for name in detectors}
    labels = _labels_by_file(corpus)
    for path, units in texts.items():
        size = sum(len(t.encode("utf-8")) for t in units)
        file_labels = [(k, v) for k, v in labels[str(path)] if k in wanted]
        for name, detector in detectors.items():
            started = time.perf_counter()
            detected = detector(units)
            results[name].detect_seconds += time.perf_counter() - started
            found = [
                (k, text[s:e])
                for text, hits in zip(units, detected, strict=True)
                for k, s, e in hits
                if k in wanted
            ]
            results[name].text_bytes += size
            score_file(results[name], file_labels, found)
    return results


def merge(parts: Iterable[Evaluation]) -> Evaluation:
    total = Evaluation()
    for part in parts:
        for kind, score in part.scores.items():
            total.scores[kind].tp += score.tp
            total.scores[kind].fp += score.fp
            total.scores[kind].fn += score.fn
        total.file_bytes += part.file_bytes
        total.text_bytes += part.text_bytes
        total.seconds += part.seconds
        total.detect_seconds += part.detect_seconds
    return total
