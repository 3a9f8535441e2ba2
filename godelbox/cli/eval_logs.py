"""Where `godelbox eval` keeps each task's log (agent and grader output), one file per task.

The run loop keeps them under RUN_DIR/logs/node-N/; a one-off evaluation has no run dir, so the
logs go beside the journal (`JOURNAL.logs/`, where a resumed evaluation adds to them) or, without
one, into a fresh temporary directory. The summary prints the folder either way: an unresolved
task is only worth something if its log can be read.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator.evaluation import safe_name
from godelbox.evaluator.results import TaskResult


@dataclass(frozen=True)
class EvalLogs:
    folder: Path

    @classmethod
    def for_journal(cls, journal: Path | None) -> EvalLogs:
        if journal is None:
            return cls(Path(tempfile.mkdtemp(prefix="godelbox-eval-logs-")))
        folder = journal.with_name(f"{journal.name}.logs")
        folder.mkdir(parents=True, exist_ok=True)
        return cls(folder)

    def write(self, result: TaskResult) -> Path:
        """The stored (capped) log: the same bytes the journal and the archive keep."""
        path = self.folder / f"{safe_name(result.task_id)}.log"
        path.write_text(result.stored().log, encoding="utf-8")
        return path

    def describe(self) -> str:
        return f"task logs: {self.folder}/<task>.log"
