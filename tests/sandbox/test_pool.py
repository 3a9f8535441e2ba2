"""The warm pool hands out pre-started sandboxes that are as fresh as directly started ones."""

from __future__ import annotations

import time

import pytest

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.docker import DockerBackend
from godelbox.sandbox.pool import PooledBackend

pytestmark = pytest.mark.docker


def _wait_for_ready(pool: PooledBackend, spec: SandboxSpec) -> None:
    deadline = time.monotonic() + 30
    while pool.ready(spec) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.ready(spec) >= 1, "the pool never pre-started a sandbox"


def test_pooled_sandboxes_are_fresh_and_never_reused(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-test"})
    seen: set[str] = set()
    with PooledBackend(lambda: DockerBackend(docker_engine, sweep=False), size=1) as pool:
        pool.start(spec).close()  # first call registers the spec; the pool then fills
        for _ in range(2):
            _wait_for_ready(pool, spec)
            with pool.start(spec) as box:
                assert box.container_id not in seen
                seen.add(box.container_id)
                state = box.run(["sh", "-c", "ls -A /work /tmp; ps -e --no-headers | wc -l"], 10)
                box.run(["sh", "-c", "touch /work/dirty /tmp/dirty; sleep 100 &"], 10)
            # docker-init, the keeper, sh, ps, wc: nothing left from an earlier user
            assert state.stdout.split() == ["/tmp:", "/work:", "5"], state.stdout
        _wait_for_ready(pool, spec)
        idle = pool.ready(spec)
    assert idle >= 1
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and docker_engine.containers.list(
        filters={"label": "godelbox.run=pool-test"}
    ):
        time.sleep(0.2)
    assert not docker_engine.containers.list(filters={"label": "godelbox.run=pool-test"})
