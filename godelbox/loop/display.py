"""How a running daemon shows itself: a rich live panel for people, JSON lines for supervisors.

The loop only calls `Reporter.event(...)` and `Reporter.status(...)`; it never formats output, so
the same run can be watched in a terminal or shipped to a log collector (`--log-format json`).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from godelbox.agent_text import for_terminal
from godelbox.archive.models import AgentNode, NodeStatus


@dataclass
class Snapshot:
    """What the live view shows; the loop fills it in as work progresses."""

    run_dir: str = ""
    generation: int = 0
    phase: str = "starting"
    busy: dict[str, str] = field(default_factory=dict)
    """worker name -> what it is doing now."""
    best_node: int | None = None
    best_score: float | None = None
    seed_score: float | None = None
    valid: int = 0
    invalid: int = 0
    failed: int = 0
    """Children of the whole run (earlier sessions included), by how they ended."""
    children_before: int = 0
    """Children finished before this session started: the rate counts only this session's."""
    usd: float = 0.0
    tasks_run: int = 0
    tasks_cached: int = 0
    """Task results of this session served by the evaluation cache instead of run."""
    started: float = field(default_factory=time.monotonic)
    budget_note: str = ""

    def rate_per_hour(self) -> float:
        hours = max(time.monotonic() - self.started, 1e-6) / 3600
        return (self.valid + self.invalid + self.failed - self.children_before) / hours


def resumed_snapshot(run_dir: str, nodes: Iterable[AgentNode], generation: int) -> Snapshot:
    """The panel of a daemon starting on an existing archive: the newest planned generation and
    the children of every earlier session, counted the way the loop counts them as they end."""
    snapshot = Snapshot(run_dir=run_dir, generation=generation)
    for node in nodes:
        if node.parent_id is None:
            continue
        if node.status == NodeStatus.INVALID:
            snapshot.invalid += 1
        elif node.status == NodeStatus.FAILED:
            snapshot.failed += 1
        elif node.status in (NodeStatus.EVALUATING, NodeStatus.EVALUATED):
            snapshot.valid += 1
    snapshot.children_before = snapshot.valid + snapshot.invalid + snapshot.failed
    return snapshot


def stage_progress(done: Collection[str], stage_of: Mapping[str, int]) -> str:
    """`stage 1/3: 7/10 tasks` for the first stage with tasks left (stages run in order), so the
    count is out of what this stage runs, not out of the whole benchmark; past the last stage,
    the whole count."""
    sizes = Counter(stage_of.values())
    finished = Counter(stage_of[t] for t in done if t in stage_of)
    open_stages = [s for s in sorted(sizes) if finished[s] < sizes[s]]
    if not open_stages:
        return f"{len(done)}/{len(stage_of)} tasks"
    stage = open_stages[0]
    where = f"stage {stage + 1}/{len(sizes)}: " if len(sizes) > 1 else ""
    return f"{where}{finished[stage]}/{sizes[stage]} tasks"


class Reporter(Protocol):
    def event(self, kind: str, message: str, **fields: Any) -> None: ...

    def status(self, snapshot: Snapshot) -> None: ...

    def close(self) -> None: ...


class JsonReporter:
    """One JSON object per line on `stream`: events as they happen, status when it changes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    def event(self, kind: str, message: str, **fields: Any) -> None:
        self._write({"time": time.time(), "kind": kind, "message": message, **fields})

    def status(self, snapshot: Snapshot) -> None:
        data = asdict(snapshot)
        data.pop("started")
        self._write({"time": time.time(), "kind": "status", **data})

    def close(self) -> None:
        self._stream.flush()

    def _write(self, record: dict[str, Any]) -> None:
        self._stream.write(json.dumps(record, default=str) + "\n")
        self._stream.flush()


class LiveReporter:
    """A rich live panel (generation, workers, best so far, validity, dollars, rate) with a
    scrolling log of events above it."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console()
        self._snapshot = Snapshot()
        self._live = Live(self._render(), console=self._console, refresh_per_second=4)
        self._live.start()

    def event(self, kind: str, message: str, **fields: Any) -> None:
        style = "red" if kind.endswith(("failed", "invalid", "error", "tampered")) else "dim"
        # Messages quote failure reasons, which quote agent output.
        self._live.console.print(Text(f"{kind:<20} {for_terminal(message)}", style=style))

    def status(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._live.update(self._render())

    def close(self) -> None:
        self._live.update(self._render())
        self._live.stop()

    def _render(self) -> Group:
        s = self._snapshot
        table = Table.grid(padding=(0, 2))
        table.add_column(style="cyan")
        table.add_column()
        best = "—" if s.best_score is None else f"{s.best_score:.3f} (node {s.best_node})"
        if s.seed_score is not None and s.best_score is not None:
            best += f"   seed {s.seed_score:.3f}"
        table.add_row("run", s.run_dir)
        table.add_row("generation", f"{s.generation}   [dim]{s.phase}[/]")
        table.add_row("best", best)
        table.add_row(
            "children",
            f"[green]{s.valid} valid[/]  [yellow]{s.invalid} invalid[/]  [red]{s.failed} failed[/]"
            f"   {s.rate_per_hour():.1f}/h",
        )
        table.add_row("spent", f"${s.usd:.4f}")
        if s.tasks_run or s.tasks_cached:
            table.add_row("tasks", f"{s.tasks_run} run  [blue]{s.tasks_cached} from the cache[/]")
        if s.budget_note:
            table.add_row("budget", s.budget_note)
        workers = Table.grid(padding=(0, 2))
        for name, doing in sorted(s.busy.items()):
            workers.add_row(f"[magenta]{name}[/]", doing)
        return Group(table, workers)
