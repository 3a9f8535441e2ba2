"""`godelbox blame` and the lineage exports, on a small real archive (SQLite + git code store)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.config import Config, dump_toml
from godelbox.sandbox.recording import PURPOSE_SELF_EDIT, PURPOSE_TASK, Recorder, Refused

ESC = "\x1b]0;pwned\x07"


def _tree(path: Path, text: str) -> Path:
    path.mkdir(parents=True)
    (path / "agent.py").write_text(text, encoding="utf-8")
    return path


def _tape(task_id: str, purpose: str, answer: str):
    recorder = Recorder(task_id, purpose, {"roles": ["agent"]}, 10**6)
    body = {"model": "agent", "messages": [{"role": "user", "content": f"solve {task_id}"}]}
    seq = recorder.begin(body)
    message = {"role": "assistant", "content": answer}
    recorder.end(seq, response={"choices": [{"message": message}]})
    seq = recorder.begin({"model": "judge", "messages": []})
    recorder.end(seq, refusal=Refused(400, "invalid_request", "unknown model"))
    return recorder.tape()


def _run(tmp_path: Path) -> Path:
    """seed (2 lines) -> #2 adds a line (diagnosis A) -> #3 rewrites line 1 (diagnosis B)."""
    run_dir = tmp_path / "run"
    archive = Archive.create(run_dir, dump_toml(Config()))
    seed_sha = archive.code.add_root(_tree(tmp_path / "t1", "def solve():\n    return 1\n"))
    second = "def solve():\n    return 1\n# check defaults\n"
    sha2 = archive.code.add_child(seed_sha, _tree(tmp_path / "t2", second))
    third = f"def solve(task):  {ESC}\n    return 1\n# check defaults\n"
    sha3 = archive.code.add_child(sha2, _tree(tmp_path / "t3", third))
    seed = archive.add_node(parent_id=None, commit_sha=seed_sha)
    two = archive.add_node(
        parent_id=seed,
        commit_sha=sha2,
        proposal={"problem_description": "Check defaults first.", "log_summarization": "A"},
    )
    three = archive.add_node(
        parent_id=two,
        commit_sha=sha3,
        proposal={"problem_description": f"Take the task. {ESC}", "implement": {"log": "x" * 9}},
    )
    for node, outcome in ((seed, Outcome.UNRESOLVED), (two, Outcome.RESOLVED), (three, None)):
        if outcome is not None:
            archive.record_evaluation(node, stage=0, task_id="t-1", outcome=outcome)
        archive.set_status(node, NodeStatus.EVALUATED, score=1.0 if outcome else 0.0)
    archive.record_tape(two, _tape("", PURPOSE_SELF_EDIT, "edited"))
    archive.record_tape(two, _tape("t-1", PURPOSE_TASK, "fixed it"))
    archive.close()
    return run_dir


def test_blame_names_the_ancestor_and_its_diagnosis_for_each_line(tmp_path):
    run_dir = _run(tmp_path)
    result = CliRunner().invoke(app, ["blame", str(run_dir), "3", "agent.py"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("#3 ") and "def solve(task):" in lines[0]
    assert lines[1].startswith("#1 ") and "return 1" in lines[1]
    assert lines[2].startswith("#2 ") and "# check defaults" in lines[2]
    assert "#2 (child of #1, score 1.000): 1 line(s)" in result.output
    assert "problem description: Check defaults first." in result.output
    assert "log summarization: A" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "xxxxxxxxx" not in result.output  # the implement log is not a reason


def test_blame_of_a_missing_file_says_what_to_do(tmp_path):
    run_dir = _run(tmp_path)
    result = CliRunner().invoke(app, ["blame", str(run_dir), "3", "nope.py"])
    assert result.exit_code != 0
    assert "no file 'nope.py' in node 3" in str(result.exception or result.output)


def test_lineage_export_carries_every_recorded_exchange(tmp_path):
    run_dir = _run(tmp_path)
    out = tmp_path / "lineage.json"
    result = CliRunner().invoke(
        app, ["export", str(run_dir), "--format", "lineage", "--node", "3", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "godelbox-lineage/1"
    assert [n["id"] for n in doc["lineage"]] == [1, 2, 3]
    two = doc["lineage"][1]
    assert "+# check defaults" in two["diff"] and two["tasks"] == {"t-1": "resolved"}
    assert [s["purpose"] for s in two["sandboxes"]] == [PURPOSE_SELF_EDIT, PURPOSE_TASK]
    calls = two["sandboxes"][1]["exchanges"]
    assert calls[0]["request"]["messages"][0]["content"] == "solve t-1"
    assert calls[0]["response"]["choices"][0]["message"]["content"] == "fixed it"
    assert calls[1]["refusal"]["status"] == 400


def test_exchanges_export_is_chat_jsonl_with_provenance(tmp_path):
    run_dir = _run(tmp_path)
    result = CliRunner().invoke(
        app, ["export", str(run_dir), "--format", "exchanges", "--resolved-only"]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 1  # the refusal and the self-edit (no task outcome) are left out
    assert rows[0]["messages"][-1] == {"role": "assistant", "content": "fixed it"}
    assert rows[0]["meta"] == {
        "node": 2,
        "task_id": "t-1",
        "purpose": PURPOSE_TASK,
        "call": 1,
        "outcome": "resolved",
    }
