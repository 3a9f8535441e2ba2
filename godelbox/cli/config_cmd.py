"""`godelbox config show`: the effective configuration and where each value came from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from godelbox.archive.store import refuse_file
from godelbox.config import CONFIG_FILE_NAME, load_config
from godelbox.errors import UserError

app = typer.Typer(help="Inspect configuration.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help=f"TOML file (default: ./{CONFIG_FILE_NAME} if present)."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: section.key=value (repeatable)."),
]


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """`["a.b=1"]` -> `{"a.b": "1"}`, with a clear error for anything else."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or "." not in key:
            raise UserError(f"--set expects section.key=value, got '{pair}'")
        out[key.strip()] = value.strip()
    return out


def default_config_file(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit
    local = Path(CONFIG_FILE_NAME)
    return local if local.is_file() else None


@app.command("show")
def show(
    run_dir: Annotated[
        Path | None,
        typer.Argument(
            help="A run directory: show the configuration that run uses (its snapshot, with the "
            "environment and --set on top, as `godelbox run` would resume it).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    set_: SetOption = None,
) -> None:
    """Print every effective setting with its origin (default, file, env or cli)."""
    loaded = load_config(_config_file(run_dir, config), overrides=parse_overrides(set_))
    table = Table(title="godelbox configuration", show_lines=False)
    table.add_column("key", style="cyan")
    table.add_column("value")
    table.add_column("from", style="dim")
    for key, value in _flatten(loaded.config.model_dump()):
        table.add_row(key, repr(value), loaded.sources.get(key, "default"))
    Console().print(table)


def _config_file(run_dir: Path | None, explicit: Path | None) -> Path | None:
    if run_dir is None:
        return default_config_file(explicit)
    if explicit is not None:
        raise UserError("give a run dir or --config, not both: a run has its own configuration")
    refuse_file(run_dir)
    snapshot = run_dir / CONFIG_FILE_NAME
    if not snapshot.is_file():
        raise UserError(f"{run_dir} is not a godelbox run dir (no {CONFIG_FILE_NAME} in it)")
    return snapshot


def _flatten(tree: dict, prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            rows.extend(_flatten(value, f"{prefix}{key}."))
        else:
            rows.append((f"{prefix}{key}", value))
    return rows
