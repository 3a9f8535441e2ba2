"""`sandbox.cpu_shares` reaches the engine as the container's CPU weight (and nothing is set by
default, so the engine's own default applies)."""

from __future__ import annotations

import pytest

from godelbox.config import load_config
from godelbox.sandbox.base import Limits, SandboxSpec
from godelbox.sandbox.select import limits_for

pytestmark = pytest.mark.docker


@pytest.mark.parametrize("shares", [0, 4096])
def test_cpu_weight(docker_backend, docker_engine, agent_image, shares: int) -> None:
    with docker_backend.start(SandboxSpec(agent_image, Limits(cpu_shares=shares))) as box:
        attrs = docker_engine.api.inspect_container(box.container_id)
    assert attrs["HostConfig"]["CpuShares"] == shares


def test_the_config_key_becomes_the_limit() -> None:
    config = load_config(overrides={"sandbox.cpu_shares": "8192"}).config
    assert limits_for(config.sandbox).cpu_shares == 8192
