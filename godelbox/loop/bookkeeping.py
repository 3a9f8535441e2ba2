"""What every phase of the loop shares: the one archive writer, the live status, the checkouts.

Proposing and evaluating run on worker threads; the archive is written by one of them at a time
(`Bookkeeper.write`), and the live view is updated under the same lock so it never shows a
half-made change.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from godelbox.archive.models import AgentNode
from godelbox.archive.store import Archive
from godelbox.llm.recording import Tape
from godelbox.loop.display import Reporter, Snapshot
from godelbox.loop.stopping import StopRequest
from godelbox.trash import Trash
from godelbox.treecache import TreeCache

KEEP_CHECKOUTS = 128
"""Idle agent checkouts kept for reuse as parents; older ones are deleted (and checked out
again if picked later: a run of thousands of nodes must not keep thousands of trees)."""


class Bookkeeper:
    def __init__(
        self,
        archive: Archive,
        reporter: Reporter,
        scratch: Path,
        trash: Trash,
        stop: StopRequest,
        tape_limit: int = 0,
    ) -> None:
        self.archive = archive
        self._stop = stop
        self._tape_limit = tape_limit
        """Bytes a recorded sandbox tape may take in the archive (`llm.record_run_mb`)."""
        self.reporter = reporter
        self.lock = threading.Lock()
        self.snapshot = Snapshot(run_dir=str(archive.run_dir))
        self._checkouts = TreeCache(scratch / "agents", trash, keep=KEEP_CHECKOUTS)

    def write(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Every archive write goes through here: one writer at a time, from any thread."""
        with self.lock:
            return method(*args, **kwargs)

    def checkout(self, node_id: int) -> contextlib.AbstractContextManager[Path]:
        """The agent's code, checked out while the block runs (and kept a while after, for the
        next generation that picks it as a parent)."""
        sha = self.archive.node(node_id).commit_sha
        return self._checkouts.lease(
            f"agent-{node_id}", lambda dest: self.archive.code.checkout(sha, dest)
        )

    def llm_call(self, node_id: int, record: Any) -> None:
        if isinstance(record, Tape):
            self.write(self.archive.record_tape, node_id, record, self._tape_limit)
            return
        self.write(
            self.archive.record_llm_call,
            node_id=node_id,
            role=record.role,
            model=record.model,
            tokens_in=record.tokens_in,
            tokens_out=record.tokens_out,
            cost_usd=record.cost_usd,
            latency_s=record.latency_s,
            error=record.error,
        )

    def busy(self, worker: str, doing: str | None) -> None:
        with self.lock:
            if self._stop.requested and not self.snapshot.phase.startswith("stop"):
                self.snapshot.phase = f"stopping ({self._stop.reason})"
            if doing is None:
                self.snapshot.busy.pop(worker, None)
            else:
                self.snapshot.busy[worker] = doing
            self.reporter.status(self.snapshot)

    def phase(self, phase: str) -> None:
        if self._stop.requested and not phase.startswith("stop"):
            phase = f"stopping ({self._stop.reason})"
        self.snapshot.phase = phase
        self.reporter.status(self.snapshot)

    def show_best(self, best: AgentNode | None) -> None:
        self.snapshot.best_node = best.id if best else None
        self.snapshot.best_score = best.score if best else None
        self.reporter.status(self.snapshot)
