"""`godelbox run` (the evolution daemon) and `godelbox status` (how a run is doing)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from godelbox.agent_text import for_terminal
from godelbox.archive.store import Archive
from godelbox.cli.config_cmd import ConfigOption, SetOption, parse_overrides
from godelbox.loop.display import JsonReporter, LiveReporter, Reporter
from godelbox.loop.evolution import Evolution
from godelbox.loop.progress import ProgressReader, status_counts
from godelbox.loop.setup import build_parts, open_or_create, session_config
from godelbox.loop.stopping import StopRequest
from godelbox.runlock import LOCK_FILE, RunLock, is_locked, read_holder

DEFAULT_RUN_DIR = Path("demo-run")
MORE_GENERATIONS = 4
"""How many more generations the closing hint suggests (as the total to type)."""


class LogFormat(StrEnum):
    RICH = "rich"
    JSON = "json"


def run(
    run_dir: Annotated[
        Path, typer.Argument(help="Run directory: created if absent, resumed if it exists.")
    ] = DEFAULT_RUN_DIR,
    config: ConfigOption = None,
    set_: SetOption = None,
    iterations: Annotated[
        int | None,
        typer.Option(
            help="Stop when the run has this many generations in all, earlier sessions included "
            "(a total, not a number more: budget.iterations).",
        ),
    ] = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="rich: live panel; json: one object a line.")
    ] = LogFormat.RICH,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Run every evaluation afresh (cache.enabled = false)."),
    ] = False,
) -> None:
    """Evolve agents until a budget is reached; resumes an existing run dir.

    Each generation selects parents, proposes children, validates and evaluates them, and
    archives everything. Ctrl-C once finishes running work; twice stops at once (resumable)."""
    overrides = parse_overrides(set_)
    if iterations is not None:
        overrides["budget.iterations"] = str(iterations)
    if no_cache:
        overrides["cache.enabled"] = "false"
    archive = open_or_create(run_dir, config, overrides)
    try:
        with RunLock(run_dir):
            stop = StopRequest()
            stop.install()
            reporter: Reporter = (
                JsonReporter() if log_format is LogFormat.JSON else LiveReporter(Console())
            )
            try:
                parts = build_parts(archive, session_config(archive, overrides), reporter, stop)
                reporter.event("run.stopped", Evolution(parts).run())
            finally:
                reporter.close()
    finally:
        archive.close()
    if log_format is LogFormat.RICH:
        _print_summary(run_dir)


def status(
    run_dir: Annotated[Path, typer.Argument(help="The run directory.")] = DEFAULT_RUN_DIR,
) -> None:
    """How a run is doing: daemon alive or not, nodes, budget left, best node."""
    with Archive.open(run_dir) as archive:
        progress = ProgressReader(archive).read()
        counts = status_counts(archive)
        tasks, cached = archive.evaluation_counts()
        best = archive.best_node()
        budget = archive.config.budget
    holder = read_holder(run_dir / LOCK_FILE)
    alive = is_locked(run_dir)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="cyan")
    table.add_column()
    daemon = f"running ({holder.describe()})" if alive and holder else "not running"
    table.add_row("daemon", daemon)
    table.add_row("nodes", "  ".join(f"{k.value} {v}" for k, v in counts.items() if v))
    table.add_row("generations", _of(progress.iterations, budget.iterations))
    table.add_row("children", _of(progress.children, budget.children))
    table.add_row("spent", _of(round(progress.usd, 4), budget.usd, unit=" USD"))
    share = f" ({cached / tasks:.0%})" if tasks else ""
    table.add_row("tasks", f"{tasks} results, {cached} from the evaluation cache{share}")
    table.add_row("active time", _of(round(progress.wall_clock_s), budget.wall_clock_s, unit="s"))
    best_text = "—" if best is None else f"node {best.id}: {best.score:.3f}"
    table.add_row("best", best_text)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("status")(status)


def _of(spent: float, limit: float | None, unit: str = "") -> str:
    if limit is None:
        return f"{spent:g}{unit}"
    return f"{spent:g}{unit} of {limit:g}{unit} ({max(limit - spent, 0):g}{unit} left)"


def _print_summary(run_dir: Path) -> None:
    """The best agent, how it got there (its lineage with score changes), and what to do next."""
    with Archive.open(run_dir) as archive:
        best = archive.best_node()
        if best is None or best.id is None:
            return
        generations = ProgressReader(archive).read().iterations
        lineage = [best]
        while lineage[-1].parent_id is not None:
            lineage.append(archive.node(lineage[-1].parent_id))
    lineage.reverse()
    seed = lineage[0]
    console = Console()
    gain = (best.score or 0.0) - (seed.score or 0.0)
    console.print(
        f"\n[bold]best agent:[/] node {best.id}, score {best.score:.3f} "
        f"(seed {seed.score or 0.0:.3f}, {gain:+.3f})"
    )
    for node in lineage:
        info = node.proposal or {}
        change = info.get("description") or info.get("improvement_proposal") or ""
        score = "—" if node.score is None else f"{node.score:.3f}"
        console.print(Text(f"  node {node.id:>4}  {score}  {for_terminal(str(change))[:70]}"))
    hints = [
        (f"godelbox replay {run_dir} {best.id}", "each step: proposal, diff, tasks flipped"),
        (f"godelbox tui {run_dir}", "browse the archive live"),
        (f"godelbox plot {run_dir}", "progress and tree plots (PNG, SVG)"),
        (
            f"godelbox run {run_dir} --iterations {generations + MORE_GENERATIONS}",
            f"{MORE_GENERATIONS} more generations ({generations} done; the number is a total)",
        ),
    ]
    width = max(len(command) for command, _ in hints)
    console.print()
    for command, why in hints:
        console.print(f"  {command:<{width}}  [dim]# {why}[/]", highlight=False)
