"""Evaluator fixtures: an evaluation context on the shared docker backend and agent image
(tests/fixtures/docker_engine.py), and the paths of the fixture agents."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.evaluator.context import EvalContext

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The fixtures are benchmark data (Polyglot exercises with their own *_test.py) and agents run
# inside sandboxes, not tests of this suite.
collect_ignore_glob = ["fixtures/*"]
NOOP_AGENT = FIXTURES / "noop_agent"
CHEAT_AGENT = FIXTURES / "cheat_agent"
FIX_AGENT = FIXTURES / "fix_agent"
SLEEP_AGENT = FIXTURES / "sleep_agent"
SYMLINK_AGENT = FIXTURES / "symlink_agent"
POLYGLOT = FIXTURES / "polyglot"


@pytest.fixture(scope="session")
def eval_ctx(docker_backend, agent_image) -> EvalContext:
    return EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-evaluator"},
        task_timeout_s=60.0,
        grade_timeout_s=60.0,
    )
