"""The hostile battery's fixtures: an arena on the shared docker backend whose scratch trees
all land on a tmpfs of their own (see arena.py), and a model behind the loop's gateway."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from godelbox.evaluator.context import EvalContext
from godelbox.loop.solvers import GatewayAgentSolver
from godelbox.proposer.llm import LLMClient
from godelbox.sandbox.gateway_server import WireLimits
from godelbox.trash import Trash
from tests.hostile.arena import Arena

collect_ignore_glob = ["agents/*"]
SCRATCH_MB = 2048


@pytest.fixture(scope="session")
def scratch_fs(tmp_path_factory) -> Iterator[Path]:
    """A tmpfs that becomes the temp dir of this process for the session. It lives in /tmp,
    traversable (0711) like /tmp itself: the bubblewrap backend's sandbox user makes its work
    dirs in the temp dir too, and pytest's own base dir is private to root. That base dir is
    fixed first, so pytest's own folders never land on the scratch fs."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the hostile battery mounts a scratch tmpfs: it needs root", pytrace=False)
        pytest.skip("the hostile battery mounts a scratch tmpfs: it needs root")
    tmp_path_factory.getbasetemp()
    mount = Path(tempfile.mkdtemp(prefix="godelbox-hostile-scratch-"))
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SCRATCH_MB}m,mode=0711", "tmpfs", str(mount)],
        check=True,
    )
    before = tempfile.tempdir
    tempfile.tempdir = str(mount)
    try:
        yield mount
    finally:
        tempfile.tempdir = before
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


@pytest.fixture(scope="session")
def arena(docker_backend, agent_image, scratch_fs, tmp_path_factory) -> Arena:
    ctx = EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-hostile"},
        task_timeout_s=120.0,
        grade_timeout_s=120.0,
        trash=Trash(),
    )
    return Arena(ctx, scratch_fs, tmp_path_factory.mktemp("hostile-agents"))


@pytest.fixture
def model_solver(fake_llm):
    """Runs an agent behind its own gateway like the loop does (quick request deadline, so a
    slowloris test takes seconds), against the scripted fake model. litellm and its tokenizer
    are loaded first: a daemon pays that once, not per attack."""

    def solver(agent_dir: Path, budget_tokens: int = 100_000) -> GatewayAgentSolver:
        section = fake_llm.llm_section(sandbox_budget_tokens=budget_tokens)
        client = LLMClient(fake_llm.models(), section, lambda _: None)
        client.warm_up()
        client.count_tokens("agent", [{"role": "user", "content": "warm"}])
        return GatewayAgentSolver(
            agent_dir, client, on_call=lambda _: None, wire=WireLimits(read_timeout_s=3.0)
        )

    return solver
