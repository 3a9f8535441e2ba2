"""The seed web agent's own suite passes the way a DGM descendant is validated: copied into a
fresh agent sandbox (no network, no model, no browser) and run with `AGENT_SELF_TEST`."""

from __future__ import annotations

import pytest

from godelbox.evaluator.contract import AGENT_DIR, AGENT_SELF_TEST
from godelbox.paths import seed_agent_dir
from godelbox.sandbox.base import SandboxSpec

pytestmark = pytest.mark.docker


def test_own_suite_passes_offline_in_the_sandbox(docker_backend, agent_image) -> None:
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        box.copy_in(seed_agent_dir("web"), AGENT_DIR)
        result = box.run(
            list(AGENT_SELF_TEST),
            timeout_s=60,
            workdir=AGENT_DIR,
            env={"HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"},
        )
    assert result.ok, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout
