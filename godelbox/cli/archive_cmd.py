"""`godelbox init`, `godelbox export` and `godelbox archive ...`: make a run dir and look inside."""

from __future__ import annotations

import random
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from godelbox.agent_text import for_terminal
from godelbox.archive.models import NodeStatus
from godelbox.archive.store import CODE_DIR, DB_FILE, Archive
from godelbox.cli.config_cmd import ConfigOption, SetOption, default_config_file, parse_overrides
from godelbox.config import CONFIG_FILE_NAME, dump_toml, load_config
from godelbox.errors import UserError

archive_app = typer.Typer(help="Inspect a run's archive of agent nodes.", no_args_is_help=True)

RunDirArg = Annotated[Path, typer.Argument(help="The run directory.", show_default=False)]


class ExportFormat(StrEnum):
    GRAPHML = "graphml"
    JSON = "json"
    SFT = "sft"
    """Successful agent trajectories as chat-format fine-tuning JSONL."""
    SWEBENCH = "swebench"
    """Accepted PAE-proposed coding tasks as a SWE-bench JSONL (needs --output)."""
    LINEAGE = "lineage"
    """The lineage of --node with proposals, diffs, outcomes and recorded exchanges (JSON)."""
    EXCHANGES = "exchanges"
    """Recorded model exchanges as chat JSONL (SFT), of --node's lineage or the whole run."""


class SortKey(StrEnum):
    ID = "id"
    SCORE = "score"


def init(run_dir: RunDirArg, config: ConfigOption = None, set_: SetOption = None) -> None:
    """Create a run dir: archive database, agent git store, config snapshot.

    The snapshot is the effective config (defaults < --config file < GODELBOX_* env < --set).
    A run dir that already has content is refused; the run dir can be moved later."""
    loaded = load_config(default_config_file(config), overrides=parse_overrides(set_))
    Archive.create(run_dir, dump_toml(loaded.config)).close()
    Console().print(
        f"created run dir [bold]{run_dir}[/] ({DB_FILE}, {CODE_DIR}, {CONFIG_FILE_NAME})",
        highlight=False,
    )


def export(
    run_dir: RunDirArg,
    format_: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExportFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    node: Annotated[
        int | None, typer.Option("--node", "-n", help="lineage/exchanges: this node's lineage.")
    ] = None,
    resolved_only: Annotated[
        bool, typer.Option("--resolved-only", help="exchanges: only tasks that were resolved.")
    ] = False,
) -> None:
    """Export the archive graph (json, graphml: nodes with score, status, cost; parent → child
    edges), successful trajectories as chat JSONL (sft), accepted PAE-proposed coding tasks
    as a SWE-bench JSONL for `evaluation.bench = "swebench:FILE"` (swebench), a lineage with
    its recorded model exchanges (lineage, JSON), or those exchanges as chat JSONL
    (exchanges). See docs/replay.md."""
    from godelbox.proposer.pae.export import NothingToExportError, sft_jsonl, swebench_export

    if format_ in (ExportFormat.LINEAGE, ExportFormat.EXCHANGES):
        _export_recordings(run_dir, format_, node, resolved_only, output)
        return

    if format_ is ExportFormat.SWEBENCH:
        if output is None:
            raise UserError("--format swebench writes task snapshots next to it: give --output")
        with Archive.open(run_dir) as archive:
            count = swebench_export(archive, output)
        typer.echo(f"wrote {count} tasks to {output}", err=True)
        return
    with Archive.open(run_dir) as archive:
        if format_ is ExportFormat.SFT:
            text = sft_jsonl(archive)
            if not text:
                raise NothingToExportError(
                    f"{run_dir} has no successful trajectory to export: sft takes resolved tasks "
                    "whose log holds a model conversation (an offline run's agents talk to no "
                    "model) and PAE attempts judged successful (`godelbox pae`)"
                )
            typer.echo(f"{text.count(chr(10))} chat records", err=True)
        elif format_ is ExportFormat.GRAPHML:
            text = archive.export_graph().to_graphml()
        else:
            text = archive.export_graph().to_json_text()
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _export_recordings(
    run_dir: Path, format_: ExportFormat, node: int | None, resolved_only: bool, out: Path | None
) -> None:
    import json

    from godelbox.views.lineage_export import exchange_records, lineage_document
    from godelbox.views.reader import ArchiveReader

    reader = ArchiveReader.open(run_dir)
    try:
        if format_ is ExportFormat.LINEAGE:
            best = reader.best()
            target = node if node is not None else (best.id if best else None)
            if target is None:
                raise UserError("the run has no evaluated node yet: give --node")
            text = json.dumps(lineage_document(reader, target), indent=1) + "\n"
        else:
            rows = exchange_records(reader, node, resolved_only)
            text = "".join(json.dumps(row) + "\n" for row in rows)
    finally:
        reader.close()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@archive_app.command("ls")
def ls(
    run_dir: RunDirArg,
    status: Annotated[
        NodeStatus | None, typer.Option("--status", "-s", help="Only nodes in this status.")
    ] = None,
    sort: Annotated[SortKey, typer.Option("--sort", help="Order of rows.")] = SortKey.ID,
) -> None:
    """A table of nodes: id, parent, status, score, children, LLM cost."""
    with Archive.open(run_dir) as archive:
        nodes = archive.nodes(status)
        children = archive.children_counts()
        costs = archive.cost_by_node()
    if sort is SortKey.SCORE:
        nodes.sort(key=lambda n: (-(n.score if n.score is not None else float("-inf")), n.id))
    table = Table(title=f"{run_dir}: {len(nodes)} nodes")
    for name in ("id", "parent", "status", "score", "children", "cost $"):
        table.add_column(name, justify="left" if name == "status" else "right")
    for node in nodes:
        assert node.id is not None
        table.add_row(
            str(node.id),
            "-" if node.parent_id is None else str(node.parent_id),
            node.status.value,
            "-" if node.score is None else f"{node.score:.3f}",
            str(children.get(node.id, 0)),
            f"{costs.get(node.id, 0.0):.4f}",
        )
    Console().print(table)


@archive_app.command("calls")
def calls(
    run_dir: RunDirArg,
    node: Annotated[
        int | None, typer.Option("--node", "-n", help="Only this node's calls.")
    ] = None,
) -> None:
    """Every model call: node, role, model, tokens, cost, latency, and its error if it failed."""
    with Archive.open(run_dir) as archive:
        rows = archive.llm_calls(node)
    table = Table(title=f"{run_dir}: {len(rows)} model calls")
    for name in ("node", "role", "model", "in", "out", "cost $", "s", "outcome"):
        table.add_column(name, justify="left" if name in ("role", "model", "outcome") else "right")
    for row in rows:
        # Provider error text can quote anything: no control sequence reaches the terminal.
        error = for_terminal(" ".join((row.error or "").split()))
        outcome = "ok" if row.error is None else escape(error[:80])
        table.add_row(
            "-" if row.node_id is None else str(row.node_id),
            row.role,
            escape(row.model),
            str(row.tokens_in),
            str(row.tokens_out),
            f"{row.cost_usd:.4f}",
            f"{row.latency_s:.1f}",
            outcome,
        )
    Console().print(table)
    tokens = sum(r.tokens_in + r.tokens_out for r in rows)
    failed = sum(r.error is not None for r in rows)
    cost = sum(r.cost_usd for r in rows)
    Console().print(f"{len(rows)} calls, {failed} failed, {tokens} tokens, ${cost:.4f}")


@archive_app.command("select")
def select(
    run_dir: RunDirArg,
    policy: Annotated[
        str | None, typer.Option("--policy", "-p", help="Policy name (default: the run's).")
    ] = None,
    n: Annotated[int, typer.Option("-n", min=1, help="How many parents to draw.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Seed of this dry run.")] = 0,
) -> None:
    """Dry run: which parents a policy would draw now.

    Uses its own seed, never the run's saved random stream, and writes nothing."""
    with Archive.open(run_dir) as archive:
        picks = archive.select_parents(random.Random(seed), n, policy)
    typer.echo(" ".join(str(p) for p in picks))


def register(app: typer.Typer) -> None:
    """Attach these commands to the top-level CLI."""
    app.command("init")(init)
    app.command("export")(export)
    app.add_typer(archive_app, name="archive")
