"""The entry point speaks the web contract: one action line per observation (what the rules
decide), "done" when no rule applies, a log line per step, and a clean end. Written against
any genome: evolution changes which rules act, not the protocol."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import agent
from conftest import AGENT_DIR


def play(lines: list[dict], tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(AGENT_DIR / "run.py"), "--web", "--log-dir", str(tmp_path)],
        input="".join(json.dumps(line) + "\n" for line in lines),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_episode(tmp_path: Path) -> None:
    button = {"ref": 4, "parent": 1, "tag": "button", "text": "Click Me!"}
    seen = {"type": "observation", "step": 0, "utterance": "Click the button.", "fields": []}
    empty = {**seen, "step": 1, "utterance": "Nothing to do here.", "elements": []}
    proc = play([{**seen, "elements": [button]}, empty, {"type": "end", "reason": "x"}], tmp_path)
    assert proc.returncode == 0, proc.stderr
    actions = [json.loads(line) for line in proc.stdout.splitlines()]
    assert actions[0] == agent.decide({**seen, "elements": [button]}, {})[1]
    assert actions[1] == {"action": "done"}
    log = (tmp_path / "agent.log").read_text()
    assert "step 1: no rule applies: done" in log and "episode ended: x" in log


def test_it_refuses_coding_tasks(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(AGENT_DIR / "run.py"), "--workspace", "r", "--problem", "p",
         "--log-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and "web tasks only" in proc.stderr
