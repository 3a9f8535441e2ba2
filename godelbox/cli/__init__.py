"""The `godelbox` command line. One module per command group; this file only wires them."""

from __future__ import annotations

import sys
from importlib.metadata import version
from typing import Annotated, Any

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


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"godelbox {version('godelbox')}")
        raise typer.Exit()


@app.callback()
def _top(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Open-ended evolution of agent code in real sandboxes (DGM, PAE, SELF)."""


def command() -> Any:
    """The click command behind `app`, with flags shown as flags: typer prints `<bool>` beside
    every switch (even --help) as if it took a value."""
    root = typer.main.get_command(app)
    pending = [root]
    while pending:
        current = pending.pop()
        for param in current.get_params(current.context_class(current)):
            if getattr(param, "is_flag", False):
                param.display_type_rich = lambda ctx: None
        pending.extend(getattr(current, "commands", {}).values())
    return root


def main() -> None:
    """Entry point: user errors become one red line and exit code 2, never a traceback."""
    try:
        command()(prog_name="godelbox")
    except UserError as err:
        Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {err}", highlight=False)
        sys.exit(err.exit_code)
