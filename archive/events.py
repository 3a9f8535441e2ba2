"""Names of the events in the archive's append-only log, defined once for writers and readers,
and the one reading of the log's progress counters.

The log is what a resumed daemon, `godelbox status`, the budgets and the views read back, so
every kind the archive or the loop writes is named here, and `LogTally` is the only place that
turns those events into generations, daemon time and stagnation: the daemon's budgets
(`loop.progress`) and the views (`views.reader`) cannot disagree about them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DAEMON_STARTED = "daemon.started"
DAEMON_ACTIVE = "daemon.active"
"""payload: {"active_s": seconds of daemon time since the previous daemon.* event}."""
DAEMON_STOPPED = "daemon.stopped"
"""payload: {"active_s": ..., "reason": why it stopped}."""
GENERATION_PLANNED = "generation.planned"
"""payload: {"generation": g, "parents": [...], "rng": state after the draw}. Written before any
child exists; children carry {"generation": g, "slot": i} in their proposal."""
GENERATION_FINISHED = "generation.finished"
"""payload: {"generation": g, "best_node": id, "best_score": s}."""
NODE_ADDED = "node.added"
"""Written by `Archive.add_node` in the same transaction as the node.
payload: {"parent_id": ..., "commit_sha": ..., "status": ...}."""
NODE_STATUS = "node.status"
"""Written by `Archive.set_status` in the same transaction. payload: {"status", "reason"}."""
NODE_TAMPERED = "node.tampered"
"""A node forged its grade on some tasks. payload: {"tasks": [task ids]}."""

DAEMON_KINDS = (DAEMON_STARTED, DAEMON_ACTIVE, DAEMON_STOPPED)
TALLY_KINDS = (*DAEMON_KINDS, GENERATION_FINISHED)
"""The kinds `LogTally` reads (a reader may fetch only these)."""


@dataclass
class LogTally:
    """Progress counters folded from the event log, in sequence order; feed it incrementally."""

    generations: int = 0
    """Finished generations (generational) or expansions (async)."""
    active_s: float = 0.0
    """Daemon time recorded in daemon.active / daemon.stopped events, over every session."""
    best_scores: list[float] = field(default_factory=list)
    """The best score after each finished generation."""
    last_daemon: tuple[str, Mapping[str, Any]] | None = None

    def add(self, kind: str, payload: Mapping[str, Any] | None) -> None:
        payload = payload or {}
        if kind in DAEMON_KINDS:
            self.last_daemon = (kind, payload)
            if kind in (DAEMON_ACTIVE, DAEMON_STOPPED):
                self.active_s += float(payload.get("active_s", 0.0))
        elif kind == GENERATION_FINISHED:
            self.generations += 1
            self.best_scores.append(float(payload.get("best_score") or 0.0))

    @property
    def generations_since_improvement(self) -> int:
        """Generations since the best score last went up (the first generation counts as one)."""
        best = float("-inf")
        since = 0
        for score in self.best_scores:
            if score > best:
                best, since = score, 0
            else:
                since += 1
        return since

    @property
    def daemon_state(self) -> str:
        """'daemon never ran', 'daemon running' or 'daemon stopped: <reason>'."""
        if self.last_daemon is None:
            return "daemon never ran"
        kind, payload = self.last_daemon
        if kind == DAEMON_STOPPED:
            return f"daemon stopped: {payload.get('reason') or 'no reason given'}"
        return "daemon running"
