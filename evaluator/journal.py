"""A results journal: one JSON line per finished task, fsynced, so a killed evaluation resumes.

The first line is a header naming the benchmark and the solver; reopening a journal written for
something else is refused instead of silently mixing results. A line cut short by a kill (the
last one, without its newline) is dropped when the journal is reopened.

A result line may carry what the task's model calls cost (`llm`: calls, tokens, dollars, ...) in
the same line, so a resumed evaluation knows what its finished tasks spent, and a task is never
journaled without its cost or the other way round.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from godelbox.errors import UserError
from godelbox.evaluator.results import TaskResult


class JournalMismatchError(UserError):
    """The journal belongs to another benchmark or agent."""


class Journal:
    def __init__(self, path: Path, header: dict[str, Any]) -> None:
        self.path = path
        self.header = {"kind": "header", **header}
        self._results: dict[str, TaskResult] = {}
        self._llm: dict[str, dict[str, Any]] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size:
            self._load()
        else:
            self._append_line(self.header)

    @property
    def results(self) -> dict[str, TaskResult]:
        """Finished tasks by id; a task journaled twice keeps its last result."""
        return dict(self._results)

    @property
    def llm_usage(self) -> dict[str, dict[str, Any]]:
        """The `llm` record of every finished task that has one, by task id."""
        return dict(self._llm)

    def append(self, result: TaskResult, llm: Mapping[str, Any] | None = None) -> None:
        result = result.stored()
        row: dict[str, Any] = {"kind": "result", **result.to_dict()}
        if llm is not None:
            row["llm"] = dict(llm)
        self._append_line(row)
        self._results[result.task_id] = result
        self._remember_llm(result.task_id, llm)

    def _load(self) -> None:
        raw = self.path.read_bytes()
        complete = raw[: raw.rfind(b"\n") + 1]
        if len(complete) != len(raw):
            with self.path.open("r+b") as fh:
                fh.truncate(len(complete))
                os.fsync(fh.fileno())
        lines = complete.decode("utf-8").splitlines()
        if not lines:
            self._append_line(self.header)
            return
        first = json.loads(lines[0])
        if first != self.header:
            raise JournalMismatchError(
                f"journal {self.path} was written for {_describe(first)}, not "
                f"{_describe(self.header)}; use another --journal file or delete this one"
            )
        for line in lines[1:]:
            row = json.loads(line)
            if row.pop("kind", None) == "result":
                llm = row.pop("llm", None)
                result = TaskResult.from_dict(row)
                self._results[result.task_id] = result
                self._remember_llm(result.task_id, llm)

    def _remember_llm(self, task_id: str, llm: Mapping[str, Any] | None) -> None:
        if llm is None:
            self._llm.pop(task_id, None)
        else:
            self._llm[task_id] = dict(llm)

    def _append_line(self, row: dict[str, Any]) -> None:
        data = (json.dumps(row, sort_keys=True) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)


def _describe(header: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in header.items() if k != "kind")
