"""The seed coding agent, run as the evaluator runs it (`run.py` in a subprocess, per the agent
contract), talking through the real gateway and litellm to the scripted fake model.

Host-side on purpose: the agent is our own seed and every reply is scripted; evaluation of
untrusted descendants goes through the sandbox.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from godelbox.evaluator.contract import (
    ENV_LLM_MODEL,
    ENV_LLM_SOCKET,
    ENV_LLM_TOKEN,
    ENV_TIME_BUDGET,
)
from godelbox.llm.client import LLMCallRecord, LLMClient
from godelbox.llm.gateway import Gateway
from godelbox.paths import PROJECT_ROOT, seed_agent_dir
from tests.fixtures.fake_llm import FAKE_API_KEY, FakeLLM

AGENT_DIR = seed_agent_dir("coder")
CLIENT_DIR = PROJECT_ROOT / "godelbox" / "llm" / "agent_client"
FIX = {"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"}


@dataclass
class Run:
    proc: subprocess.CompletedProcess[str]
    logs: Path

    @property
    def trajectory(self) -> dict[str, Any]:
        return json.loads((self.logs / "trajectory.json").read_text())

    @property
    def log(self) -> str:
        return (self.logs / "agent.log").read_text()


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "calc.py": "def add(a, b):\n    return a - b\n",
            "test_calc.py": "from calc import add\n\n\n"
            "def test_add():\n    assert add(2, 3) == 5\n",
        },
    )


@pytest.fixture
def records() -> list[LLMCallRecord]:
    return []


@pytest.fixture
def gateway(fake_llm: FakeLLM, records: list[LLMCallRecord]) -> Iterator[Callable[..., Gateway]]:
    started: list[Gateway] = []

    def start(budget_tokens: int = 1_000_000, budget_usd: float = 10.0) -> Gateway:
        client = LLMClient(fake_llm.models(), fake_llm.llm_section(), lambda _: None)
        gw = Gateway(
            client, on_call=records.append, budget_usd=budget_usd, budget_tokens=budget_tokens
        ).start()
        started.append(gw)
        return gw

    yield start
    for gw in started:
        gw.close()


def agent_env(gw: Gateway, budget_s: float = 60) -> dict[str, str]:
    """Only what the contract gives an agent: no API key, no host Python path. The venv's bin
    comes first on PATH so `python3 -m pytest` in the workspace finds pytest on any host."""
    return {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(CLIENT_DIR),
        ENV_LLM_SOCKET: str(gw.socket_path),
        ENV_LLM_TOKEN: gw.token,
        ENV_LLM_MODEL: "agent",
        ENV_TIME_BUDGET: str(budget_s),
    }


def agent_argv(workspace: Path, problem: str) -> tuple[list[str], Path]:
    problem_file = workspace.parent / "problem.md"
    problem_file.write_text(problem)
    logs = workspace.parent / "logs"
    argv = [
        sys.executable,
        str(AGENT_DIR / "run.py"),
        "--workspace",
        str(workspace),
        "--problem",
        str(problem_file),
        "--log-dir",
        str(logs),
    ]
    return argv, logs


def run_agent(workspace: Path, gw: Gateway, problem: str = "add(2, 3) returns -1") -> Run:
    argv, logs = agent_argv(workspace, problem)
    proc = subprocess.run(argv, env=agent_env(gw), capture_output=True, text=True, timeout=60)
    return Run(proc, logs)


@pytest.mark.slow  # make unit leaves it out (see the Makefile)
def test_scripted_fix_through_the_gateway(fake_llm, gateway, records, workspace) -> None:
    fake_llm.script(
        fake_llm.tool_call("editor", {"command": "view", "path": "calc.py"}, call_id="c1"),
        fake_llm.tool_call("editor", FIX, call_id="c2", content="The sign is wrong."),
        fake_llm.tool_call("bash", {"command": "python3 -m pytest -q"}, call_id="c3"),
        fake_llm.tool_call("submit", {"summary": "add now adds"}, call_id="c4"),
    )
    run = run_agent(workspace, gateway())

    assert run.proc.returncode == 0, run.proc.stderr
    assert "agent finished: submitted (4 steps)" in run.proc.stdout
    assert git(workspace, "status", "--porcelain") == " M calc.py\n"
    assert git(workspace, "diff").splitlines()[-2:] == ["-    return a - b", "+    return a + b"]

    traj = run.trajectory
    assert traj["info"]["exit_status"] == "submitted"
    assert traj["info"]["usage"]["calls"] == 4 == len(records) == len(fake_llm.requests)
    assert [s["actions"][0]["tool"] for s in traj["steps"]] == [
        "editor",
        "editor",
        "bash",
        "submit",
    ]
    assert "     2\t    return a - b" in traj["steps"][0]["actions"][0]["observation"]
    assert "1 passed" in traj["steps"][2]["actions"][0]["observation"]
    assert "The sign is wrong." in run.log and "== end: submitted" in run.log

    # What reached the model: the agent's tools, then each tool result on its call id.
    first, last = fake_llm.requests[0].body, fake_llm.requests[-1].body
    assert first["model"] == "fake-agent"
    assert [t["function"]["name"] for t in first["tools"]] == ["bash", "editor", "submit"]
    assert "add(2, 3) returns -1" in first["messages"][1]["content"]
    answered = [m["tool_call_id"] for m in last["messages"] if m["role"] == "tool"]
    assert answered == ["c1", "c2", "c3"]
    assert FAKE_API_KEY not in json.dumps(traj) + run.log


def test_garbage_reply_is_fed_back_and_recovered(fake_llm, gateway, workspace) -> None:
    fake_llm.script(
        fake_llm.text("Sure! I will now think very hard about it."),
        fake_llm.empty(),
        fake_llm.tool_call("editor", FIX),
        fake_llm.tool_call("submit", {}),
    )
    run = run_agent(workspace, gateway())

    assert run.proc.returncode == 0, run.proc.stderr
    assert run.trajectory["info"]["exit_status"] == "submitted"
    assert "return a + b" in (workspace / "calc.py").read_text()
    feedback = fake_llm.requests[1].body["messages"][-1]
    assert feedback["role"] == "user" and "no tool call and no ```bash block" in feedback["content"]
    errors = [s.get("error", "") for s in run.trajectory["steps"]]
    assert ["no tool call" in e for e in errors] == [True, True, False, False]


def test_upstream_outage_is_retried_by_the_agent(fake_llm, gateway, workspace) -> None:
    # The gateway's client tries 3 times (llm_section: 2 retries) and then answers 502; the
    # agent waits and asks again.
    fake_llm.script(*[fake_llm.error(500)] * 3, fake_llm.tool_call("submit", {}))
    run = run_agent(workspace, gateway())

    assert run.proc.returncode == 0, run.proc.stderr
    assert run.trajectory["info"]["exit_status"] == "submitted"
    assert len(fake_llm.requests) == 4 and run.trajectory["info"]["steps"] == 1


def test_spent_budget_ends_the_run_cleanly_with_the_trajectory_saved(
    fake_llm, gateway, workspace
) -> None:
    # The first reply reports 50k prompt tokens, which spends the sandbox's whole token budget;
    # the gateway then refuses the next call with 402 before anything goes upstream.
    fake_llm.script(fake_llm.tool_call("editor", FIX, tokens=(50_000, 5)))
    run = run_agent(workspace, gateway(budget_tokens=50_000))

    assert run.proc.returncode == 0, run.proc.stderr
    info = run.trajectory["info"]
    assert info["exit_status"] == "budget_exhausted" and "token budget" in info["exit_message"]
    assert [s.get("ended") for s in run.trajectory["steps"]] == [None, "budget_exhausted"]
    assert len(fake_llm.requests) == 1
    assert "return a + b" in (workspace / "calc.py").read_text()  # work so far is kept


def test_sigterm_mid_call_ends_cleanly_with_the_trajectory_saved(
    fake_llm, gateway, workspace
) -> None:
    fake_llm.script(fake_llm.tool_call("editor", FIX), fake_llm.slow(30))
    argv, logs = agent_argv(workspace, "fix add")
    proc = subprocess.Popen(argv, env=agent_env(gateway()), stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(300):  # wait until the agent is blocked on its second model call
            if len(fake_llm.requests) == 2:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
    traj = json.loads((logs / "trajectory.json").read_text())
    assert traj["info"]["exit_status"] == "interrupted"
    assert traj["info"]["steps"] == 2 and "return a + b" in (workspace / "calc.py").read_text()


@pytest.mark.slow  # make unit leaves it out (see the Makefile)
def test_the_agent_edits_its_own_repository(fake_llm, gateway, tmp_path) -> None:
    """DGM self-modification: the workspace is a checkout of the agent itself, the task is a
    change to the agent, and the agent runs its own test suite before submitting."""
    files = {
        str(p.relative_to(AGENT_DIR)): p.read_text()
        for p in AGENT_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }
    own = make_repo(tmp_path / "self", files)
    raise_limit = {
        "command": "str_replace",
        "path": "config.py",
        "old_str": "step_limit: int = 60",
        "new_str": "step_limit: int = 80",
    }
    fake_llm.script(
        fake_llm.tool_call("bash", {"command": "grep -n step_limit config.py"}),
        fake_llm.tool_call("editor", raise_limit),
        fake_llm.tool_call("bash", {"command": "python3 -m pytest -q -x tests"}),
        fake_llm.tool_call("submit", {}),
    )
    run = run_agent(own, gateway(), problem="Allow 80 steps per run instead of 60.")

    assert run.proc.returncode == 0, run.proc.stderr
    assert git(own, "status", "--porcelain") == " M config.py\n"
    assert "+    step_limit: int = 80" in git(own, "diff")
    suite = run.trajectory["steps"][2]["actions"][0]["observation"]
    assert "<returncode>0</returncode>" in suite and " passed" in suite


def test_context_window_overflow_is_its_own_exit_status(fake_llm, gateway, workspace) -> None:
    # The proposer looks for this status when it picks "context-length failures" to improve on.
    overflow = "This model's maximum context length is 8192 tokens, however you requested 9000"
    fake_llm.script(fake_llm.error(400, message=overflow))
    run = run_agent(workspace, gateway())

    assert run.proc.returncode == 0, run.proc.stderr
    info = run.trajectory["info"]
    assert info["exit_status"] == "context_length_exceeded", info
    assert "maximum context length" in info["exit_message"]
