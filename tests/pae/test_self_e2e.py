"""`godelbox self` end to end: answer, self-feedback and refinement from the fake model (through
litellm), every answer graded by the real grader in the docker sandbox, and only the refinement
that scored strictly higher kept and exported."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from godelbox.archive.pae_store import PAEStore
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.evaluator.builtin import TASKS_DIR
from tests.fixtures.fake_llm import FakeLLM, ScriptedReply

BACKOFF = "backoff/schedule.py"
BATCHER = "batcher/batches.py"


def _source(task: str, path: str) -> str:
    return (TASKS_DIR / task / "repo" / path).read_text()


BACKOFF_BUGGY = _source("builtin__backoff-11", BACKOFF)
BACKOFF_FIXED = BACKOFF_BUGGY.replace("factor: float = 1.0", "factor: float = 2.0")
BATCHER_BUGGY = _source("builtin__batcher-15", BATCHER)
BATCHER_FIXED = BATCHER_BUGGY.replace(
    '        raise ValueError("batch size must be at least 1")\n',
    '        raise ValueError("batch size must be at least 1")\n    if not items:\n'
    "        return []\n",
)


def _answer(path: str, content: str) -> ScriptedReply:
    return FakeLLM.text(json.dumps({"files": [{"path": path, "content": content}]}))


def _route(body: dict[str, Any]) -> ScriptedReply:
    """backoff: a no-op answer, then a real fix (improves: kept). batcher: the fix, then a
    refinement that undoes it (worse: dropped)."""
    messages = body["messages"]
    backoff = "backoff" in messages[1]["content"]
    turn = sum(1 for m in messages if m["role"] == "assistant")
    if turn == 1:
        return FakeLLM.text("- the default factor is still wrong" if backoff else "- fine")
    if backoff:
        return _answer(BACKOFF, BACKOFF_FIXED if turn == 2 else BACKOFF_BUGGY)
    return _answer(BATCHER, BATCHER_BUGGY if turn == 2 else BATCHER_FIXED)


def test_self_keeps_only_refinements_that_score_higher(
    make_run: Callable[..., Path], fake_llm: FakeLLM, tmp_path: Path
) -> None:
    assert BACKOFF_FIXED != BACKOFF_BUGGY and BATCHER_FIXED != BATCHER_BUGGY
    fake_llm.fallback = _route
    run_dir = make_run()
    out = tmp_path / "refined.jsonl"

    result = CliRunner().invoke(app, ["self", str(run_dir), "--tasks", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output

    with Archive.open(run_dir) as archive:
        rows = PAEStore(archive.engine).refinements()
    scores = {r.task_id: (r.answer_score, r.refinement_score, r.kept) for r in rows}
    assert scores["builtin__backoff-11"] == (4 / 6, 1.0, True)
    batcher = scores["builtin__batcher-15"]
    assert batcher[0] == 1.0 and batcher[1] < 1.0 and batcher[2] is False

    [line] = out.read_text().splitlines()
    record = json.loads(line)
    assert set(record) >= {"task", "answer", "feedback", "refinement"}
    assert record["task_id"] == "builtin__backoff-11"
    assert "factor: float = 2.0" in record["refinement"]
    assert record["feedback"] == "- the default factor is still wrong"
    # Three model calls per task, all as the agent role: answer, feedback, refinement.
    assert [r.body["model"] for r in fake_llm.requests] == ["fake-agent"] * 6
