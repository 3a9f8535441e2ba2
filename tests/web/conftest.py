"""Fixtures for the web tests: a context on the web image (`web_image` is a shared sandbox
fixture, tests/fixtures/docker_engine.py) and a scripted-policy agent directory."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from godelbox.evaluator.context import EvalContext
from godelbox.sandbox.base import Limits
from tests.fixtures.docker_engine import BUSY_HOST_CPU_SHARES

SCRIPTED_AGENT = Path(__file__).resolve().parent / "scripted_agent"


@pytest.fixture
def web_ctx(docker_backend, web_image) -> EvalContext:
    return EvalContext(
        backend=docker_backend, image=web_image, limits=Limits(cpu_shares=BUSY_HOST_CPU_SHARES)
    )


def make_scripted_agent(dest: Path, **policies: str) -> Path:
    """A copy of the scripted policy at `dest` with `policies` ({task or episode id: policy},
    underscores for dashes)."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(SCRIPTED_AGENT, dest, ignore=shutil.ignore_patterns("__pycache__"))
    named = {key.replace("_", "-"): policy for key, policy in policies.items()}
    (dest / "policy.json").write_text(json.dumps(named))
    return dest


@pytest.fixture
def scripted_agent(tmp_path: Path) -> Callable[..., Path]:
    """`scripted_agent(task=policy, ...)` -> a copy of the scripted policy with that mapping."""
    return lambda **policies: make_scripted_agent(tmp_path / "agent", **policies)
