"""The results journal survives a kill mid-line and refuses to mix evaluations."""

from __future__ import annotations

import pytest

from godelbox.evaluator.journal import Journal, JournalMismatchError
from godelbox.evaluator.results import TaskResult

HEADER = {"bench": "builtin:dev", "solver": "oracle"}


def test_results_round_trip_and_a_cut_last_line_is_dropped(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, HEADER)
    first = TaskResult("t1", "resolved", "ok", tests={"a": "passed"}, patch="diff\n", attempts=2)
    journal.append(first)
    journal.append(TaskResult("t2", "timeout", "slow"))
    with path.open("ab") as fh:
        fh.write(b'{"kind": "result", "task_id": "t3", "outc')  # killed mid-write
    reopened = Journal(path, HEADER)
    assert set(reopened.results) == {"t1", "t2"}
    assert reopened.results["t1"] == first
    reopened.append(TaskResult("t3", "unresolved", "wrong"))
    assert set(Journal(path, HEADER).results) == {"t1", "t2", "t3"}


def test_a_journal_of_another_evaluation_is_refused(tmp_path):
    path = tmp_path / "j.jsonl"
    Journal(path, HEADER).append(TaskResult("t1", "resolved", "ok"))
    with pytest.raises(JournalMismatchError, match="another --journal"):
        Journal(path, {**HEADER, "bench": "humaneval"})
