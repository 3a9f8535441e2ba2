"""What a run has spent and achieved, derived from the archive's event log.

Budgets, the live display and `godelbox status` all read progress from here, so a resumed or a
watching process sees the same numbers as the daemon. Reading is incremental: only events newer
than the last one seen are fetched, which keeps a days-long run's checks cheap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from godelbox.archive.events import LogTally
from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.budget import Progress


@dataclass
class ProgressReader:
    """Accumulates progress from the event log; call `read()` as often as needed."""

    archive: Archive
    session_started: float | None = None
    """monotonic() when this daemon session started; None for a reader that is not the daemon."""
    _seq: int = 0
    _tally: LogTally = field(default_factory=LogTally)
    _last_marker: float | None = None

    def read(self) -> Progress:
        for event in self.archive.events(after_seq=self._seq):
            assert event.seq is not None
            self._seq = event.seq
            self._tally.add(event.kind, event.payload)
        return Progress(
            iterations=self._tally.generations,
            children=sum(self.archive.children_counts().values()),
            usd=self.archive.total_cost(),
            wall_clock_s=self._tally.active_s + self.unrecorded_active_s(),
            generations_since_improvement=self._tally.generations_since_improvement,
        )

    def unrecorded_active_s(self) -> float:
        """Daemon time of this session not yet written as a daemon.active event."""
        if self.session_started is None:
            return 0.0
        since = self._last_marker if self._last_marker is not None else self.session_started
        return time.monotonic() - since

    def mark_recorded(self) -> float:
        """Take the unrecorded active time (to write it as an event) and restart the count."""
        delta = self.unrecorded_active_s()
        self._last_marker = time.monotonic()
        return delta


def status_counts(archive: Archive) -> dict[NodeStatus, int]:
    counts = dict.fromkeys(NodeStatus, 0)
    for node in archive.nodes():
        counts[node.status] += 1
    return counts
