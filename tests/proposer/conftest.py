"""Proposer fixtures: a run's code store with the seed coding agent as lineage root, a checkout
of it as the parent, a real docker context to run agents, and proposers on the fake model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from godelbox.archive.codestore import CodeStore
from godelbox.config import ProposerSection
from godelbox.evaluator.context import EvalContext
from godelbox.llm.client import LLMCallRecord, LLMClient, RunBudget
from godelbox.proposer.dgm import DGMProposer
from tests.fixtures.fake_llm import FakeLLM
from tests.proposer.dgm_helpers import CODER


@pytest.fixture(scope="session")
def dgm_ctx(docker_backend, agent_image: str) -> EvalContext:
    return EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-proposer"},
        task_timeout_s=120.0,
        grade_timeout_s=120.0,
    )


@pytest.fixture
def store(tmp_path: Path) -> CodeStore:
    return CodeStore.init(tmp_path / "agents.git")


@pytest.fixture
def root_sha(store: CodeStore) -> str:
    """The lineage root: the seed coding agent as `godelbox init` commits it."""
    return store.add_root(CODER)


@pytest.fixture
def parent_dir(store: CodeStore, root_sha: str, tmp_path: Path) -> Path:
    dest = tmp_path / "parent"
    store.checkout(root_sha, dest)
    return dest


@pytest.fixture
def records() -> list[LLMCallRecord]:
    return []


@pytest.fixture
def make_proposer(fake_llm: FakeLLM) -> Callable[..., DGMProposer]:
    """make(ctx, run_budget_usd=, llm_overrides=, **proposer_config) -> a DGMProposer on the
    fake model, whose own client sink must never be used (calls go to on_llm_call)."""

    def make(
        ctx: EvalContext,
        run_budget_usd: float | None = None,
        llm_overrides: dict | None = None,
        **config: object,
    ) -> DGMProposer:
        section = fake_llm.llm_section(run_budget_usd=run_budget_usd, **(llm_overrides or {}))
        client = LLMClient(
            fake_llm.models(),
            section,
            lambda _: pytest.fail("calls must go to on_llm_call, not the client's own sink"),
            run_budget=RunBudget(run_budget_usd),
        )
        return DGMProposer(
            client,
            ctx,
            ProposerSection(implement_timeout_s=120.0, **config),
            fake_llm.models(),
            CODER,
        )

    return make
