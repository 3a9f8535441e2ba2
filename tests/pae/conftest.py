"""A run dir configured for PAE/SELF against the fake model server and the real docker sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from godelbox.archive.store import Archive
from godelbox.config import (
    Config,
    EvaluationSection,
    PAESection,
    SandboxSection,
    dump_toml,
)
from tests.fixtures.fake_llm import FakeLLM


@pytest.fixture
def make_run(tmp_path: Path, fake_llm: FakeLLM, agent_image: str) -> Callable[..., Path]:
    def make(**pae: Any) -> Path:
        config = Config(
            models=fake_llm.models(),
            llm=fake_llm.llm_section(timeout_s=30.0),
            sandbox=SandboxSection(backend="docker", image=agent_image),
            evaluation=EvaluationSection(bench="builtin:dev", task_timeout_s=120.0),
            pae=PAESection(**{"contexts": 1, **pae}),
        )
        run_dir = tmp_path / "run"
        Archive.create(run_dir, dump_toml(config)).close()
        return run_dir

    return make
