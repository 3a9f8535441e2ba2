"""`godelbox eval` as a user runs it: a real process, a real sandbox, a journal; killed with
SIGKILL mid-run and rerun, it skips finished tasks and reports the right totals."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.evaluator.eval_helpers import (
    BUG,
    FIX_AGENT,
    NOOP_AGENT,
    POLYGLOT,
    STATS_V2,
    file_diff,
    godelbox_cli,
    swebench_repo,
)

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


def test_eval_cli_agent_on_polyglot_and_clear_errors(agent_image, polyglot_image, tmp_path):
    run = godelbox(
        "eval",
        str(NOOP_AGENT),
        "--bench",
        f"polyglot:{POLYGLOT}#python",
        "--tasks",
        "python/word-tally",
        "--set",
        "evaluation.polyglot_tries=1",
        image=agent_image,
        cwd=tmp_path,
    )
    out, _ = run.communicate(timeout=300)
    assert run.returncode == 0, out
    assert "resolved 0/1 (0.0%)" in out and "python/word-tally" in out
    for args, message in (
        (("eval", "--bench", "humaneval"), "missing AGENT_DIR"),
        (("eval", str(tmp_path), "--bench", "humaneval"), "is not an agent directory"),
        (("eval", "--oracle", "--bench", "nope"), "unknown benchmark 'nope'"),
        (("eval", "--oracle", "--bench", "humaneval", "--tasks", "HumanEval/999"), "no task"),
        (("eval", "--oracle", "--bench", "swebench:missing.jsonl"), "does not exist"),
        (("eval", "--predictions", "p.jsonl", "--oracle"), "give no AGENT_DIR, --oracle"),
        (("eval", "--predictions", "missing.jsonl"), "predictions file missing.jsonl does not"),
    ):
        bad = godelbox(*args, image=agent_image, cwd=tmp_path)
        out, _ = bad.communicate(timeout=120)
        assert bad.returncode == 2, out
        assert message in out and "Traceback" not in out


def test_predictions_grade_as_our_own_run_and_write_native_reports(agent_image, tmp_path):
    """Patches an agent of ours wrote, handed back as another tool's predictions file, grade
    the same; the SWE-bench run report and per-instance reports come out under the official
    names and fields."""
    row = swebench_repo(tmp_path)
    ids = [f"calc__calc-{i}" for i in range(1, 6)]
    rows = tmp_path / "rows.jsonl"
    rows.write_text("".join(json.dumps({**row, "instance_id": i}) + "\n" for i in ids))
    own = tmp_path / "own.jsonl"
    run = godelbox(
        "eval", str(FIX_AGENT), "--bench", "swebench:rows.jsonl", "--tasks",
        "calc__calc-1,calc__calc-2", "--journal", str(own), image=agent_image, cwd=tmp_path,
    )  # fmt: skip
    out, _ = run.communicate(timeout=600)
    assert run.returncode == 0, out
    ours = results_of(own)
    assert (tmp_path / "godelbox-agent.own.json").is_file()
    broken = file_diff(
        "calc/stats.py", STATS_V2, STATS_V2.replace(BUG, "(len(values) - 1)"), tmp_path / "bad"
    )
    preds = [
        {"instance_id": i, "model_name_or_path": "other/tool", "model_patch": ours[i]["patch"]}
        for i in ("calc__calc-1", "calc__calc-2")
    ]
    preds.append({"instance_id": ids[2], "model_name_or_path": "other/tool", "model_patch": broken})
    preds.append({"instance_id": ids[3], "model_name_or_path": "other/tool", "model_patch": ""})
    (tmp_path / "preds.jsonl").write_text("".join(json.dumps(p) + "\n" for p in preds))
    theirs_journal = tmp_path / "theirs.jsonl"
    run = godelbox(
        "eval", "--predictions", "preds.jsonl", "--bench", "swebench:rows.jsonl",
        "--journal", str(theirs_journal), image=agent_image, cwd=tmp_path,
    )  # fmt: skip
    out, _ = run.communicate(timeout=600)
    assert run.returncode == 0, out
    theirs = results_of(theirs_journal)
    assert set(theirs) == {ids[0], ids[1], ids[2], ids[3]}  # calc__calc-5 was not predicted
    for task_id in ("calc__calc-1", "calc__calc-2"):
        assert theirs[task_id]["outcome"] == ours[task_id]["outcome"] == "resolved"
        assert theirs[task_id]["tests"] == ours[task_id]["tests"]
    assert theirs[ids[2]]["outcome"] == "unresolved"
    report = json.loads((tmp_path / "other__tool.theirs.json").read_text())
    assert report["schema_version"] == 2 and report["total_instances"] == 5
    assert report["submitted_ids"] == ids[:4] and report["incomplete_ids"] == [ids[4]]
    assert report["resolved_ids"] == ids[:2] and report["unresolved_ids"] == [ids[2]]
    assert report["empty_patch_ids"] == [ids[3]] and report["completed_instances"] == 3
    one = json.loads((tmp_path / "other__tool" / ids[0] / "report.json").read_text())[ids[0]]
    assert one["resolved"] and one["patch_successfully_applied"]
    assert one["tests_status"]["FAIL_TO_PASS"]["success"] == row["FAIL_TO_PASS"]
    bad = json.loads((tmp_path / "other__tool" / ids[2] / "report.json").read_text())[ids[2]]
    assert not bad["resolved"] and bad["tests_status"]["FAIL_TO_PASS"]["failure"]


def results_of(journal: Path) -> dict[str, dict]:
    rows = [json.loads(line) for line in journal.read_text().splitlines()]
    return {r["task_id"]: r for r in rows if r.get("kind") == "result"}
