"""``headcount forms``: list the questionnaires, show one, validate household files against them,
and run the edits over a whole census in batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.markup import escape
from rich.table import Table

from headcount import errors
from headcount.commands.output import console, emit_json, err_console, fail
from headcount.errors import HeadcountError, Lang
from headcount.questionnaire.batch import validate_census, validate_frames
from headcount.questionnaire.editset import edit_set
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.loader import get_form, load_forms, reference_forms
from headcount.questionnaire.schema import Form, Item

app = typer.Typer(help="Questionnaires (the 2020 forms) and their edits.", no_args_is_help=True)

CensusOption = Annotated[
    Path | None,
    typer.Option("--census", help="a folder of form files instead of the 2020 reference forms"),
]


def _forms(census: Path | None) -> dict[str, Form]:
    return load_forms(census) if census is not None else reference_forms()


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per form")] = False,
    census: CensusOption = None,
) -> None:
    """The forms of the census, with their status and size."""
    try:
        forms = _forms(census)
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    rows: list[dict[str, Any]] = []
    for form in forms.values():
        rows.append(
            {
                "form": form.form_id,
                "form_no": form.form_no,
                "title": {"zh": form.title.zh, "en": form.title.en},
                "status": form.status,
                "provisional": form.provisional,
                "household_items": len(form.household_items),
                "person_items": len(form.person_items),
                "death_items": len(form.death_items),
                "edits": len(edit_set(form).checks),
            }
        )
    if as_json:
        for row in rows:
            emit_json(row)
        return
    table = Table("form", "no.", "title", "status", "household", "person", "death", "edits")
    for row in rows:
        status = row["status"] + (" (provisional)" if row["provisional"] else "")
        table.add_row(
            row["form"],
            row["form_no"] or "",
            f"{row['title']['zh']}\n{row['title']['en']}",
            status,
            str(row["household_items"]),
            str(row["person_items"]),
            str(row["death_items"]),
            str(row["edits"]),
        )
    console.print(table)


def _text(zh: str, en: str, lang: str) -> str:
    """Both languages, or one (a narrower table); escaped, since form files are data."""
    if lang == "zh":
        return escape(zh)
    if lang == "en":
        return escape(en)
    return f"{escape(zh)}\n{escape(en)}"


def _codes(item: Item, lang: str) -> str:
    lines = [f"{o.code} {_text(o.zh, o.en, lang)}".replace("\n", " ") for o in item.codes]
    if len(lines) > 12:  # GB/T 3304 ethnic groups: the whole list is in --json
        lines = [*lines[:3], "…", *lines[-2:], f"[dim]({len(lines)} codes)[/]"]
    return "\n".join(lines)


def _universe(item: Item, lang: str) -> str:
    expression = escape(item.universe or "")
    if item.universe_text is not None:
        text = _text(item.universe_text.zh, item.universe_text.en, lang)
        return f"{text}\n[dim]{expression}[/]"
    return expression or "all"


def _skips(item: Item, scope_items: tuple[Item, ...]) -> str:
    ids = {i.key: i.id for i in scope_items}
    return "\n".join(
        escape(f"{s.when} → skip {', '.join(ids.get(k, k) for k in s.skip)}") for s in item.skips
    )


@app.command("show")
def show_command(
    form_id: Annotated[str, typer.Argument(metavar="FORM", help="short, long, hmtf or death")],
    as_json: Annotated[bool, typer.Option("--json", help="dump the resolved form model")] = False,
    lang: Annotated[str, typer.Option(help="zh, en or both")] = "both",
    census: CensusOption = None,
) -> None:
    """Every item of a form: id, key, labels, type, codes, universe and skips."""
    try:
        form = get_form(form_id, _forms(census))
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if as_json:
        emit_json(form.model_dump(mode="json"))
        return
    status = form.status + (", provisional" if form.provisional else "")
    console.print(
        f"[bold]{form.title.zh}[/] · {form.title.en} · {form.form_no or form.form_id} · {status}"
    )
    if form.all_died is not None:
        console.print(
            f"户编号 {form.all_died.household_no}（全户死亡）只填 / household "
            f"{form.all_died.household_no} (all died) fills only: {', '.join(form.all_died.items)}"
        )
    for title, items in (
        ("household items / 户项目", form.household_items),
        ("person items / 人项目", form.person_items),
        ("death form items / 死亡人口调查表项目", form.death_items),
    ):
        if not items:
            continue
        table = Table("id", "label", "type", "codes", "universe", "skips", title=title)
        for item in items:
            unit = f" ({_text(item.unit.zh, item.unit.en, lang)})" if item.unit else ""
            marker = "" if item.status == "verified" else f"\n[yellow]{item.status}[/]"
            required = {True: "", False: "\noptional", "soft": "\nmissing: soft edit"}[
                item.required
            ]
            table.add_row(
                f"[bold]{item.id}[/]\n[dim]{item.key}[/]",
                _text(item.label.zh, item.label.en, lang) + unit.replace("\n", " / "),
                item.type + required + marker,
                _codes(item, lang),
                _universe(item, lang),
                _skips(item, items),
            )
        console.print(table)
    rules = Table("code", "scope", "severity", "item", "when → check", "message", title="rules")
    for rule in form.rules:
        rules.add_row(
            rule.code,
            rule.scope,
            rule.severity,
            rule.item,
            escape(f"{rule.when} → {rule.check}" if rule.when else rule.check),
            _text(rule.message.zh, rule.message.en, lang),
        )
    console.print(rules)


def _load_file(path: Path) -> Any:
    if not path.is_file():
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(path))
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(path), reason=type(exc).__name__
        ) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HeadcountError(errors.JSON_INVALID, line=exc.lineno, column=exc.colno) from exc


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.json", help="one household or a list")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per household")] = False,
    provisional: Annotated[
        bool, typer.Option("--provisional", help="also accept provisional (unverified) forms")
    ] = False,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
    census: CensusOption = None,
) -> None:
    """Run every edit on each household of FILE.

    Exit status 0 when no household has a hard finding, 1 when one has, 2 on malformed input.
    """
    try:
        forms = _forms(census)
        data = _load_file(file)
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    households = data if isinstance(data, list) else [data]
    worst = 0
    for index, raw in enumerate(households):
        try:
            result = validate_household(raw, forms, allow_provisional=provisional)
        except HeadcountError as exc:
            worst = 2
            if as_json:
                emit_json({"index": index, "error": exc.to_dict()})
            else:
                _print_error(index, exc, lang)
            continue
        if result.hard:
            worst = max(worst, 1)
        if as_json:
            emit_json({"index": index, **result.to_json()})
        else:
            _print_result(index, result.to_json(), lang)
    raise typer.Exit(worst)


def _print_error(index: int, exc: HeadcountError, lang: str) -> None:
    language: Lang = "en" if lang == "en" else "zh"
    err_console.print(f"[bold red]#{index} {exc.code}[/] {exc.message(language)}")
    for problem in exc.details.get("problems", []):
        err_console.print(f"    {problem['code']} {problem['message'][language]}")


def _print_result(index: int, body: dict[str, Any], lang: str) -> None:
    language = "en" if lang == "en" else "zh"
    mark = "[green]✓ accepted[/]" if body["accepted"] else "[red]✗ not accepted[/]"
    console.print(
        f"#{index} {body['form']} household {body['household_no'] or '-'}: {mark} "
        f"({body['hard']} hard, {body['soft_unconfirmed']} soft unconfirmed)"
    )
    for finding in body["findings"]:
        colour = "red" if finding["severity"] == "hard" else "yellow"
        state = " (confirmed)" if finding["confirmed"] else ""
        console.print(
            f"  [{colour}]{finding['severity']:4}[/] {finding['rule']}{state}: "
            f"{finding['message'][language]}"
        )


@app.command("batch")
def batch_command(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="a census directory (headcount synth layout)")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per rule")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="write every finding to this Parquet file")
    ] = None,
    provisional: Annotated[
        bool, typer.Option("--provisional", help="also check the hmtf tables (provisional form)")
    ] = False,
    census: CensusOption = None,
) -> None:
    """Run every edit over a whole census in batch (households, persons, death_forms tables).

    Prints the findings per rule. Exit status 0 when there is no hard finding, 1 otherwise, 2 when
    the tables cannot be read or do not follow the data contract.
    """
    try:
        forms = _forms(census)
        findings = _batch_findings(directory, forms, provisional)
    except HeadcountError as exc:
        fail(exc, as_json=as_json)
    if out is not None:
        findings.write_parquet(out)
    summary = (
        findings.group_by("form", "rule", "severity", "item", "display_id")
        .agg(pl.len().alias("findings"), pl.col("household_id").n_unique().alias("households"))
        .sort("findings", "rule", descending=[True, False])
    )
    if as_json:
        for row in summary.iter_rows(named=True):
            emit_json(row)
    else:
        table = Table("form", "rule", "severity", "item", "findings", "households")
        for row in summary.iter_rows(named=True):
            colour = "red" if row["severity"] == "hard" else "yellow"
            table.add_row(
                row["form"],
                row["rule"],
                f"[{colour}]{row['severity']}[/]",
                f"{row['display_id']} {row['item']}",
                f"{row['findings']:,}",
                f"{row['households']:,}",
            )
        console.print(table)
    raise typer.Exit(1 if (findings["severity"] == "hard").any() else 0)


def _batch_findings(directory: Path, forms: dict[str, Form], provisional: bool) -> pl.DataFrame:
    def table(name: str) -> pl.DataFrame | None:
        folder = directory / name
        if not folder.is_dir():
            return None
        parts = sorted(folder.glob("*.parquet"))
        if not parts:
            raise HeadcountError(errors.FILE_NOT_FOUND, path=str(folder / "*.parquet"))
        try:
            return pl.read_parquet(parts)
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise HeadcountError(
                errors.FILE_UNREADABLE, path=str(folder), reason=type(exc).__name__
            ) from exc

    households, persons = table("households"), table("persons")
    if households is None or persons is None:
        missing = "households" if households is None else "persons"
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(directory / missing))
    found = [validate_census(households, persons, table("death_forms"), forms=forms)]
    hmtf_households, hmtf_persons = table("hmtf_households"), table("hmtf_persons")
    if provisional and hmtf_households is not None and hmtf_persons is not None:
        hmtf = validate_frames(get_form("hmtf", forms), hmtf_households, hmtf_persons)
        found.append(hmtf.with_columns(pl.lit("hmtf").alias("form")))
    return pl.concat(found)
