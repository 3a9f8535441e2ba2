"""The `godelbox` command line. One module per command group; this file only wires them."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from godelbox.cli import (
    archive_cmd,
    config_cmd,
    doctor_cmd,
    eval_cmd,
    model_cmd,
    pae_cmd,
    run_cmd,
    sandbox_cmd,
    view_cmd,
)
from godelbox.errors import UserError

app = typer.Typer(
    name="godelbox",
    help="Open-ended evolution of agent code in real sandboxes (DGM, PAE, SELF).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(sandbox_cmd.app, name="sandbox")
doctor_cmd.register(app)
run_cmd.register(app)
archive_cmd.register(app)
view_cmd.register(app)
eval_cmd.register(app)
pae_cmd.register(app)
model_cmd.register(app)


def main() -> None:
    """Entry point: user errors become one red line and exit code 2, never a traceback."""
    try:
        app()
    except UserError as err:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {err}", highlight=False)
        sys.exit(err.exit_code)
