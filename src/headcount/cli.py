"""The ``headcount`` command: a thin Typer app; each command group lives in headcount.commands."""

from __future__ import annotations

import typer

from headcount.commands import disclose, forms, ids, pes, registers, retention, web
from headcount.commands import processing as processing_commands
from headcount.commands import scan as scan_commands
from headcount.commands import store as store_commands
from headcount.commands import synth as synth_commands

app = typer.Typer(
    help="Headcount: an electronic population census that protects personal information.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ids.app, name="id")
app.command("serve")(web.serve_command)
app.command("demo")(web.demo_command)
# Command groups register below, one line each.
app.add_typer(forms.app, name="forms")
store_commands.register(app)
app.command("scan")(scan_commands.scan_command)
app.command("redact")(scan_commands.redact_command)
app.command("synth")(synth_commands.synth_command)
processing_commands.register(app)
app.add_typer(registers.app, name="registers")
app.add_typer(disclose.app, name="disclose")
app.add_typer(pes.app, name="pes")
app.add_typer(retention.app, name="retention")


def main() -> None:
    app()
