"""Evaluator fixtures: an evaluation context on the shared docker backend and agent image
(tests/fixtures/docker_engine.py); the fixture agents' paths are in eval_helpers.py."""

from __future__ import annotations

import pytest

from godelbox.evaluator.context import EvalContext

# The fixtures are benchmark data (Polyglot exercises with their own *_test.py) and agents run
# inside sandboxes, not tests of this suite.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(scope="session")
def eval_ctx(docker_backend, agent_image) -> EvalContext:
    return EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-evaluator"},
        task_timeout_s=60.0,
        grade_timeout_s=60.0,
    )
