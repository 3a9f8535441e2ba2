"""What the views read from the archive: small, immutable records, never ORM objects.

Views hold these (not live sqlmodel rows) so nothing they keep can lazily hit the database or be
written back by accident, and so the tree holds a few fields per node, not proposals or logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from godelbox.views.task_flips import TaskFlips


@dataclass(frozen=True)
class NodeSummary:
    """One node as the tree shows it: the cheap columns plus its number of children."""

    id: int
    parent_id: int | None
    status: str
    score: float | None
    stage_reached: int
    children: int
    created_at: datetime | None = None
    tampered: int = 0
    """Task results caught forging their grade; such a node is never a parent."""


@dataclass(frozen=True)
class TaskResult:
    stage: int
    task_id: str
    outcome: str
    score: float
    duration_s: float
    evidence: tuple[str, ...] = ()
    """What the harness observed, for a `tampered` result."""
    episode: dict[str, Any] | None = None
    """A web episode's summary (steps, rewards, how it ended); None for coding tasks."""
    bench: str | None = None
    """The part of a mixed benchmark the task belongs to; None otherwise."""
    cached: bool = False
    """Served by the evaluation cache instead of run."""
    log_path: str = ""
    """The task's log (agent and grader output) on disk, absolute; "" when none was written."""


@dataclass(frozen=True)
class ModelCallRow:
    """One stored model call as the views show it (the archive's `llm_call` row); the record
    the client emits while calling is godelbox.llm.client.LLMCallRecord."""

    role: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    latency_s: float
    error: str | None


@dataclass(frozen=True)
class NodeDetail:
    """Everything the detail pane and `show NODE` display about one node."""

    summary: NodeSummary
    commit_sha: str
    parent_score: float | None
    proposal: dict[str, Any]
    reason: str | None
    files_changed: int
    insertions: int
    deletions: int
    tasks_resolved: int
    tasks_attempted: int
    finished_at: datetime | None
    wall_time_s: float | None
    tasks: tuple[TaskResult, ...] = ()
    llm_calls: tuple[ModelCallRow, ...] = ()
    flips: TaskFlips | None = None
    """Tasks that flipped against the parent (None for the seed)."""

    def bench_scores(self) -> dict[str, tuple[int, int]]:
        """Part of a mixed benchmark -> (resolved, attempted); empty for a single benchmark."""
        out: dict[str, tuple[int, int]] = {}
        for task in self.tasks:
            if task.bench is not None:
                resolved, attempted = out.get(task.bench, (0, 0))
                out[task.bench] = (resolved + (task.outcome == "resolved"), attempted + 1)
        return out

    def stage_scores(self) -> dict[int, tuple[int, int, float]]:
        """Stage -> (resolved, attempted, mean task score), from the per-task rows."""
        out: dict[int, tuple[int, int, float]] = {}
        for stage in sorted({t.stage for t in self.tasks}):
            rows = [t for t in self.tasks if t.stage == stage]
            resolved = sum(1 for t in rows if t.outcome == "resolved")
            out[stage] = (resolved, len(rows), sum(t.score for t in rows) / len(rows))
        return out


@dataclass(frozen=True)
class RunProgress:
    """The header's numbers: how far the run is and how much of its budget it used."""

    name: str
    nodes: int
    by_status: dict[str, int]
    best_id: int | None
    best_score: float | None
    cost_usd: float
    tokens: int
    last_activity: datetime | None
    budget: dict[str, float | int | None] = field(default_factory=dict)
    """Budget section of the run's config snapshot (absent = unlimited)."""
    generations: int = 0
    """Generations the loop finished (its iterations)."""
    daemon_active_s: float = 0.0
    """Daemon time recorded in the event log (what the wall-clock budget counts)."""
    daemon_state: str = "daemon never ran"
    tasks: int = 0
    """Task results recorded, and how many of them the evaluation cache served."""
    tasks_cached: int = 0
