"""``headcount pes``: the post-enumeration survey (事后质量抽查): its sample of small areas, and the
dual-system estimate from matched P- and E-samples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from headcount.auth.roles import Permission
from headcount.commands.output import console, emit_json
from headcount.commands.store import (
    AsJson,
    DatabaseUrl,
    HeadFile,
    KeyFile,
    Totp,
    guarded,
    opened,
    settings_from,
)

app = typer.Typer(
    help="The post-enumeration survey: the sample of small areas and the coverage estimate.",
    no_args_is_help=True,
)


@app.command("draw")
def draw_command(
    areas: Annotated[int, typer.Option("--areas", min=1, help="small areas to sample")],
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**31 - 1, help="the draw's seed")],
    operator: Annotated[
        str, typer.Option("--operator", help="a national-office account holding sample.draw")
    ],
    totp: Totp = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Draw the PES sample of small areas, once per wave: stratified by province × urban/rural,
    PPS within strata on the expected persons, audited with its seed and digest. The list is
    kept from census staff until the count closes."""
    from headcount.commands.extract import operator_actor
    from headcount.fieldwork import pes_sample
    from headcount.store import heads
    from headcount.store.session import transaction

    def work() -> pes_sample.SampleOut:
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, protector):
            actor = operator_actor(
                engine,
                protector,
                settings,
                operator,
                totp,
                purpose="pes",
                permission=Permission.sample_draw,
            )
            with transaction(engine) as session:
                made = pes_sample.draw(session, actor, pes_sample.DrawIn(areas=areas, seed=seed))
        heads.export_current(settings)
        return made

    made = guarded(as_json, work)
    if as_json:
        emit_json(made.model_dump(mode="json"))
        return
    table = Table(
        "stratum",
        "areas in frame",
        "persons in frame",
        "sampled",
        title=f"PES sample {made.sample_id} · wave {made.wave} · seed {made.seed}",
        caption=f"digest {made.digest[:16]}… · sized by {made.sized_by}",
    )
    for s in made.strata:
        table.add_row(s.stratum, f"{s.frame_areas:,}", f"{s.frame_size:,}", str(s.allocated))
    console.print(table)


@app.command("estimate")
def estimate_command(
    source: Annotated[
        Path,
        typer.Argument(
            help="folder with areas, p_sample, e_sample and census as Parquet (docs/pes.md)"
        ),
    ],
    post_strata: Annotated[
        str, typer.Option("--post-strata", help="the post-stratum columns, comma-separated")
    ] = "age_group,sex,urban",
    sex_ratios: Annotated[
        Path | None,
        typer.Option(
            "--sex-ratios", help="JSON {age group: men per woman} for the correlation-bias run"
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="write estimate.json, post_strata.parquet and coverage.svg/.png"
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """The dual-system estimate, net coverage error and omission rate with jackknife intervals."""
    import json

    import polars as pl

    from headcount import errors
    from headcount.errors import HeadcountError
    from headcount.pes.estimate import estimate, sex_ratio_adjusted

    def read(name: str) -> pl.DataFrame:
        try:
            return pl.read_parquet(source / f"{name}.parquet")
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise HeadcountError(
                errors.PES_INPUT_INVALID, table=name, reason=type(exc).__name__
            ) from exc

    def work() -> dict[str, object]:
        keys = [k.strip() for k in post_strata.split(",") if k.strip()]
        result = estimate(
            read("areas"), read("p_sample"), read("e_sample"), read("census"), post_strata=keys
        )
        summary: dict[str, object] = result.summary()
        if sex_ratios is not None:
            try:
                ratios = {str(k): float(v) for k, v in json.loads(sex_ratios.read_text()).items()}
            except (OSError, ValueError, AttributeError) as exc:
                raise HeadcountError(
                    errors.PES_INPUT_INVALID, table=str(sex_ratios), reason="not a JSON object"
                ) from exc
            summary["sex_ratio_adjusted_total"] = sex_ratio_adjusted(result, ratios)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            result.post_strata.write_parquet(out / "post_strata.parquet")
            from headcount.pes.chart import coverage_chart

            coverage_chart(result.post_strata, out / "coverage")
            (out / "estimate.json").write_text(json.dumps(summary, indent=1), "utf-8")
        return summary

    summary = guarded(as_json, work)
    if as_json:
        emit_json(summary)
        return
    ci95 = summary["ci95"]
    assert isinstance(ci95, list)
    low, high = float(ci95[0]), float(ci95[1])
    console.print(
        f"普查人数 / census count {summary['census_count']:,} · 双系统估计 / DSE "
        f"{summary['dse_total']:,.0f} (95 % {low:,.0f}–{high:,.0f}) · 净覆盖误差 / net coverage "
        f"error {summary['net_coverage_error_pct']:+.3f} % · 漏登率 / omission rate "
        f"{summary['omission_rate_pct']:.3f} %"
    )


@app.command("match")
def match_command(
    extract: Annotated[Path, typer.Argument(help="the processing extract holding the PES")],
    quality: Annotated[
        Path, typer.Option("--quality", help="the quality run over the same extract")
    ],
    out: Annotated[Path, typer.Option("--out", help="folder for the estimator's inputs")],
    as_json: AsJson = False,
) -> None:
    """Match the PES persons with the census and resolve the census sample: the four inputs of
    ``pes estimate`` (and, on a synthetic census, the matching scored against its truth)."""
    from headcount.pes.match import match

    summary = guarded(as_json, lambda: match(extract, quality, out))
    if as_json:
        emit_json(summary)
        return
    console.print(
        f"PES {summary['pes_persons']:,} 人 / persons · 匹配 / matched {summary['matched']} · "
        f"未匹配 / not matched {summary['nonmatched']:,} · → {out}"
    )


@app.command("followup")
def followup_command(
    matched: Annotated[Path, typer.Argument(help="the folder written by pes match")],
    operator: Annotated[
        str, typer.Option("--operator", help="the processing centre's account (processing.extract)")
    ],
    totp: Totp = None,
    database_url: DatabaseUrl = None,
    key_file: KeyFile = None,
    head_file: HeadFile = None,
    as_json: AsJson = False,
) -> None:
    """Send the matching's unresolved cases (its followup.parquet) to the survey's enumerators of
    their small areas, once each; answers come back with the next extract."""
    import json

    import polars as pl

    from headcount import errors
    from headcount.commands.extract import operator_actor
    from headcount.errors import HeadcountError
    from headcount.fieldwork import pes_followup
    from headcount.pes import followup
    from headcount.store import heads
    from headcount.store.session import transaction

    def work() -> dict[str, int]:
        try:
            json.loads((matched / "match.json").read_text("utf-8"))
            cases = pl.read_parquet(matched / "followup.parquet")
            run = _digest(matched / "followup.parquet")
        except (OSError, ValueError, pl.exceptions.PolarsError) as exc:
            raise HeadcountError(
                errors.PES_INPUT_INVALID, table=str(matched), reason="not a pes match output"
            ) from exc
        if set(followup.SCHEMA) - set(cases.columns):
            raise HeadcountError(
                errors.PES_INPUT_INVALID, table="followup", reason="columns missing"
            )
        settings = settings_from(database_url, key_file, head_file)
        with opened(settings) as (engine, protector):
            actor = operator_actor(engine, protector, settings, operator, totp, purpose="pes")
            with transaction(engine) as session:
                opened_counts = pes_followup.send(session, actor, cases, run=run)
        heads.export_current(settings)
        return opened_counts

    counts = guarded(as_json, work)
    if as_json:
        emit_json(counts)
        return
    console.print(
        f"复查任务 / follow-up cases sent: 抽查未匹配 / survey non-matches {counts['p_nonmatch']:,}"
        f" · 普查未匹配 / census-only {counts['e_unmatched']:,}"
    )


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:32]
