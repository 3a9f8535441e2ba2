"""Evaluator fixtures: a real docker backend with the agent image, and the agent fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.evaluator.context import EvalContext

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NOOP_AGENT = FIXTURES / "noop_agent"
CHEAT_AGENT = FIXTURES / "cheat_agent"
FIX_AGENT = FIXTURES / "fix_agent"
SLEEP_AGENT = FIXTURES / "sleep_agent"
POLYGLOT = FIXTURES / "polyglot"


@pytest.fixture(scope="session")
def eval_ctx(agent_image) -> EvalContext:
    from godelbox.sandbox.docker import DockerBackend

    return EvalContext(
        backend=DockerBackend(),
        image=str(agent_image),
        labels={"run": "tests-evaluator"},
        task_timeout_s=60.0,
        grade_timeout_s=60.0,
    )
