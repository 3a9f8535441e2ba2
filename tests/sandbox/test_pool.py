"""The warm pool hands out pre-started sandboxes that are as fresh as directly started ones: each
used once, filled ahead (`prepare`) and refilled in the background, shared by specs that differ
only in their node label, never for a gateway sandbox, never a dead one, and nothing left
behind when it closes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.docker import DockerBackend
from godelbox.sandbox.pool import PooledBackend

pytestmark = pytest.mark.docker


def _wait_for_ready(pool: PooledBackend, spec: SandboxSpec, n: int = 1) -> None:
    deadline = time.monotonic() + 60
    while pool.ready(spec) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.ready(spec) >= n, "the pool never pre-started a sandbox"


def _run_label(run: str) -> dict[str, str]:
    return {"label": f"godelbox.run={run}"}


def _pool(docker_engine, size: int = 1) -> PooledBackend:
    return PooledBackend(lambda: DockerBackend(docker_engine, sweep=False), size=size)


def test_pooled_sandboxes_are_fresh_and_never_reused(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-test"})
    seen: set[str] = set()
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        for node in ("1", "2"):
            _wait_for_ready(pool, spec)
            # Another node of the same run: the same kind of sandbox, started before it existed.
            of_node = SandboxSpec(agent_image, labels={"run": "pool-test", "node": node})
            with pool.start(of_node) as box:
                assert box.container_id not in seen
                seen.add(box.container_id)
                state = box.run(["sh", "-c", "ls -A /work /tmp; ps -e --no-headers | wc -l"], 10)
                box.run(["sh", "-c", "touch /work/dirty /tmp/dirty; sleep 100 &"], 10)
                labels = docker_engine.api.inspect_container(box.container_id)["Config"]["Labels"]
            # docker-init, the keeper, sh, ps, wc: nothing left from an earlier user
            assert state.stdout.split() == ["/tmp:", "/work:", "5"], state.stdout
            assert labels["godelbox.run"] == "pool-test" and not labels.get("godelbox.node")
        assert pool.stats.taken == 2 and pool.stats.direct == 0
        _wait_for_ready(pool, spec)
    # close() waits until the engine has removed what was never handed out
    assert not docker_engine.containers.list(all=True, filters=_run_label("pool-test"))


def test_a_gateway_sandbox_is_never_pooled(docker_engine, agent_image, tmp_path: Path):
    socket_dir = tmp_path / "gw"
    socket_dir.mkdir()
    spec = SandboxSpec(
        agent_image, labels={"run": "pool-gw"}, gateway_socket=socket_dir / "llm.sock"
    )
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        with pool.start(spec) as box:
            mounted = box.run(["ls", "-d", "/run/godelbox"], 10)
        time.sleep(1.0)
        assert pool.ready(spec) == 0 and pool.stats.taken == 0
    assert mounted.ok


def test_a_ready_sandbox_that_died_is_not_handed_out(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-dead"})
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        _wait_for_ready(pool, spec)
        for container in docker_engine.containers.list(filters=_run_label("pool-dead")):
            container.kill()
        time.sleep(0.5)
        with pool.start(spec) as box:
            assert box.run(["true"], 10).ok
        assert pool.stats.discarded == 1 and pool.stats.taken == 0
