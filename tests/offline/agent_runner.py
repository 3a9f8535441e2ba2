"""Run a repair agent directory on a built-in task on the host and grade it with the hidden tests.

Only for trusted code in tests: the seed agent and operator-made variants of it. Real runs go
through the sandboxed evaluator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from godelbox.evaluator.builtin import load_builtin, materialize
from godelbox.evaluator.swebench_format import SWEInstance

REPO_ROOT = Path(__file__).resolve().parents[2]
AGENT_ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
"""The sandbox has no pytest plugins; this host's may have many (loading them triples the cost
of every test run the agent makes)."""
SEED = REPO_ROOT / "agents" / "repair"


@dataclass(frozen=True)
class Attempt:
    resolved: bool
    summary: dict
    changed: list[str]
    """`git status --porcelain` lines of the workspace after the agent ran."""


def self_test(agent: Path) -> subprocess.CompletedProcess:
    """The agent's own test suite, as validation runs it for a child (here on the host)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests"],
        cwd=agent,
        capture_output=True,
        text=True,
        timeout=300,
        env=AGENT_ENV,
    )


def task(instance_id: str) -> SWEInstance:
    return next(t for t in load_builtin("all") if t.instance_id == instance_id)


def attempt(agent: Path, instance: SWEInstance, scratch: Path) -> Attempt:
    repo = scratch / "repo"
    materialize(instance, repo)
    problem = scratch / "problem.md"
    problem.write_text(instance.problem_statement, encoding="utf-8")
    logs = scratch / "logs"
    subprocess.run(
        [
            sys.executable,
            str(agent / "run.py"),
            "--workspace",
            str(repo),
            "--problem",
            str(problem),
            "--log-dir",
            str(logs),
        ],
        check=True,
        timeout=300,
        env=AGENT_ENV,
    )
    status = _git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    subprocess.run(["git", "apply"], input=instance.test_patch, text=True, cwd=repo, check=True)
    graded = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *instance.FAIL_TO_PASS,
            *instance.PASS_TO_PASS,
        ],
        cwd=repo,
        capture_output=True,
        timeout=300,
        env=AGENT_ENV,
    )
    summary = json.loads((logs / "repair.json").read_text(encoding="utf-8"))
    return Attempt(graded.returncode == 0, summary, status)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def seed_config_line(name: str) -> int:
    """The line of the seed's `config.py` that assigns `name` (descriptions of parameter changes
    name it, and the config's docstrings move it)."""
    lines = (SEED / "config.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"{name} = "))
