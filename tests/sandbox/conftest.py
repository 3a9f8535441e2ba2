"""`backend`: each real backend in turn (docker, bubblewrap), for tests both must pass."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["docker", "bubblewrap"])
def backend(request):
    return request.getfixturevalue(f"{'docker' if request.param == 'docker' else 'bwrap'}_backend")


@pytest.fixture
def image(agent_image) -> str:
    return agent_image
