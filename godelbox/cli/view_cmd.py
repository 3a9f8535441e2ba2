"""`godelbox tui | replay | plot | show | blame`: read-only views of a run's archive.

All of them open the archive read-only, so they are safe beside a running daemon.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.reader import ArchiveReader

RunDirArg = Annotated[Path, typer.Argument(help="The run directory.", show_default=False)]


def tui(
    run_dir: RunDirArg,
    refresh: Annotated[
        float, typer.Option("--refresh", min=0.0, help="Seconds between live refreshes; 0 = off.")
    ] = 2.0,
) -> None:
    """Browse the archive live: tree, node detail, diffs, task logs (o), chart (c), go to (g),
    filter (/), best (b); ? lists every key."""
    from godelbox.tui.app import ArchiveApp  # Textual is only imported for this command

    reader = ArchiveReader.open(run_dir)
    try:
        ArchiveApp(reader, NodeDiffs.for_run(reader), refresh_s=refresh).run()
    finally:
        reader.close()


def replay(
    run_dir: RunDirArg,
    node: Annotated[int, typer.Argument(help="Node id to replay up to.", show_default=False)],
    rerun: Annotated[
        bool,
        typer.Option(
            "--rerun",
            help="Also re-evaluate every node of the lineage in fresh sandboxes on its recorded "
            "tasks and report whether the recorded scores reproduce (exit 1 if one does not).",
        ),
    ] = False,
    on_divergence: Annotated[
        str,
        typer.Option(
            "--on-divergence",
            help="LLM runs: when the agent's request differs from the recording, 'stop' the "
            "replay there or go 'live' (call the model from that call on, under the budgets).",
        ),
    ] = "stop",
    match: Annotated[
        str,
        typer.Option(
            "--match",
            help="LLM runs: 'normalized' ignores durations and addresses in requests; 'exact'.",
        ),
    ] = "normalized",
    agent: Annotated[
        Path | None,
        typer.Option(
            "--agent",
            help="Rerun NODE itself from this agent directory instead of its recorded code "
            "(does an edited agent still follow the recording?).",
        ),
    ] = None,
) -> None:
    """Step through the lineage seed → NODE: proposal, diff, score change, flipped tasks."""
    from godelbox.errors import UserError
    from godelbox.views.replay import print_replay, replay_lineage

    if on_divergence not in ("stop", "live") or match not in ("normalized", "exact"):
        raise UserError("--on-divergence takes stop or live; --match takes normalized or exact")
    if agent is not None and not (rerun and agent.is_dir()):
        raise UserError(f"--agent needs --rerun and an agent directory ({agent} is not one)")
    console = Console()
    reader = ArchiveReader.open(run_dir)
    try:
        print_replay(replay_lineage(reader, NodeDiffs.for_run(reader), node), console)
        if rerun:
            from godelbox.views.rerun import (
                print_rerun_step,
                print_task_progress,
                rerun_from_snapshot,
                summary,
            )

            console.print("\n== rerun: each node on its recorded tasks, in fresh sandboxes")
            steps = rerun_from_snapshot(
                reader,
                node,
                on_step=lambda step: print_rerun_step(step, console),
                on_task=lambda done: print_task_progress(done, console),
                match=match,  # type: ignore[arg-type]
                on_divergence=on_divergence,  # type: ignore[arg-type]
                agent_override=agent,
            )
            console.print(summary(steps), soft_wrap=True, markup=False)
            if not all(s.reproduced and not s.divergences for s in steps):
                raise typer.Exit(1)
    finally:
        reader.close()


def plot(
    run_dir: RunDirArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Directory (default: RUN_DIR/plots).")
    ] = None,
) -> None:
    """Write progress.{png,svg} (best and mean score) and tree.{png,svg} (archive by score)."""
    from godelbox.views.plot import write_plots

    for path in write_plots(run_dir, output):
        typer.echo(str(path))


def show(
    run_dir: RunDirArg,
    node: Annotated[
        int | None, typer.Argument(help="Show this node in detail instead of the tree.")
    ] = None,
    depth: Annotated[
        int, typer.Option("--depth", "-d", min=0, help="Tree levels below the seed.")
    ] = 3,
    children: Annotated[
        int, typer.Option("--children", min=1, help="At most this many children per node.")
    ] = 50,
) -> None:
    """Print the archive tree (depth-limited) or one node's detail, without interaction."""
    from godelbox.views.show import render_node, render_tree

    reader = ArchiveReader.open(run_dir)
    try:
        if node is None:
            Console().print(render_tree(reader, depth, children))
        else:
            Console().print(render_node(reader, NodeDiffs.for_run(reader), node))
    finally:
        reader.close()


def blame(
    run_dir: RunDirArg,
    node: Annotated[int, typer.Argument(help="The node whose code to explain.")],
    file: Annotated[str, typer.Argument(help="Path of a file in the agent's code.")],
) -> None:
    """For each line of FILE at NODE: the ancestor that introduced it, and that ancestor's
    proposal and diagnosis."""
    from godelbox.views.blame import blame as blame_file
    from godelbox.views.blame import print_blame

    reader = ArchiveReader.open(run_dir)
    try:
        print_blame(blame_file(reader, node, file), Console())
    finally:
        reader.close()


def register(app: typer.Typer) -> None:
    for command in (tui, replay, plot, show, blame):
        app.command()(command)
