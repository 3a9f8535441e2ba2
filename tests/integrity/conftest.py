"""Integrity fixtures: an evaluation context on the shared docker backend and agent image."""

from __future__ import annotations

import pytest

from godelbox.evaluator.context import EvalContext

# The cheat agents are programs run inside sandboxes, not tests of this suite.
collect_ignore_glob = ["agents/*"]


@pytest.fixture(scope="session")
def eval_ctx(docker_backend, agent_image, polyglot_image) -> EvalContext:
    """Polyglot tasks run in the Polyglot image (`polyglot_image` builds it when missing)."""
    return EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-integrity"},
        task_timeout_s=60.0,
        grade_timeout_s=60.0,
    )
