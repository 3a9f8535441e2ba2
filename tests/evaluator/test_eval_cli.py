"""`godelbox eval` as a user runs it: a real process, a real sandbox, a journal; killed with
SIGKILL mid-run and rerun, it skips finished tasks and reports the right totals."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.evaluator.eval_helpers import NOOP_AGENT, POLYGLOT, godelbox_cli, swebench_repo

pytestmark = pytest.mark.docker


godelbox = godelbox_cli


def finished(journal: Path) -> list[str]:
    if not journal.exists():
        return []
    rows = [json.loads(line) for line in journal.read_text().splitlines() if line.endswith("}")]
    return [r["task_id"] for r in rows if r.get("kind") == "result"]


def test_killed_eval_resumes_without_redoing_finished_tasks(agent_image, tmp_path):
    row = swebench_repo(tmp_path)
    ids = [f"calc__calc-{i}" for i in range(6)]
    (tmp_path / "six.jsonl").write_text(
        "".join(json.dumps({**row, "instance_id": i}) + "\n" for i in ids)
    )
    journal = tmp_path / "journal.jsonl"
    args = ("eval", "--oracle", "--bench", "swebench:six.jsonl", "--workers", "1")
    first = godelbox(*args, "--journal", str(journal), image=agent_image, cwd=tmp_path)
    deadline = time.monotonic() + 240
    while len(finished(journal)) < 2 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_before = finished(journal)
    assert 2 <= len(done_before) < 6, "the kill should land mid-run"
    second = godelbox(*args, "--journal", str(journal), image=agent_image, cwd=tmp_path)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    assert f"resuming: {len(done_before)} of 6 tasks already finished" in out
    assert "resolved 6/6 (100.0%)" in out
    logs = tmp_path / "journal.jsonl.logs"
    assert f"task logs: {logs}/<task>.log\n" in out
    assert {p.stem for p in logs.glob("*.log")} == set(ids), "each task's log beside the journal"
    counts = Counter(finished(journal))
    assert counts == {i: 1 for i in ids}, "a finished task was evaluated again"
    assert finished(journal)[: len(done_before)] == done_before


def test_eval_cli_agent_on_polyglot_and_clear_errors(agent_image, tmp_path):
    run = godelbox(
        "eval",
        str(NOOP_AGENT),
        "--bench",
        f"polyglot:{POLYGLOT}",
        "--tasks",
        "word-tally",
        "--set",
        "evaluation.polyglot_tries=1",
        image=agent_image,
        cwd=tmp_path,
    )
    out, _ = run.communicate(timeout=300)
    assert run.returncode == 0, out
    assert "resolved 0/1 (0.0%)" in out and "word-tally" in out
    for args, message in (
        (("eval", "--bench", "humaneval"), "missing AGENT_DIR"),
        (("eval", str(tmp_path), "--bench", "humaneval"), "is not an agent directory"),
        (("eval", "--oracle", "--bench", "nope"), "unknown benchmark 'nope'"),
        (("eval", "--oracle", "--bench", "humaneval", "--tasks", "HumanEval/999"), "no task"),
        (("eval", "--oracle", "--bench", "swebench:missing.jsonl"), "does not exist"),
    ):
        bad = godelbox(*args, image=agent_image, cwd=tmp_path)
        out, _ = bad.communicate(timeout=120)
        assert bad.returncode == 2, out
        assert message in out and "Traceback" not in out
