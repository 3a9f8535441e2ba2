"""One DGM self-improvement step with a real model in real sandboxes: the diagnosis (the parent's
code, one task's log, patch, hidden tests and grader log, cut to the model's 8k window) and the
self-modification (the parent agent editing its own repository through the gateway), then the
child's validation. A 135M model will usually fail somewhere; every failure must be an outcome
with a reason (a ProposalError, or an invalid child and why), never a crash, and every call
must be recorded."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.benchmark import hidden_tests
from godelbox.evaluator.context import context_from_config
from godelbox.loop.solvers import run_llm_client
from godelbox.paths import seed_agent_dir
from godelbox.proposer.base import ParentEvidence, ProposalError, TaskEvidence
from godelbox.proposer.dgm import DGMProposer
from godelbox.proposer.llm import LLMCallRecord
from godelbox.proposer.validate import validate_child
from godelbox.sandbox.select import backend_for
from tests.realmodel.settings import realmodel

pytestmark = pytest.mark.docker

TASK = "builtin__backoff-11"


def test_one_dgm_step_ends_in_a_child_or_a_reason(
    tmp_path: Path, local_model, docker_engine, agent_image
) -> None:
    config = realmodel(local_model, agent_image)
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"test": "realmodel"})
    [task] = [t for t in load_benchmark("builtin:dev", ctx).tasks() if t.task_id == TASK]
    parent_dir = tmp_path / "parent"
    shutil.copytree(seed_agent_dir("coder"), parent_dir)
    parent = ParentEvidence(
        node_id=1,
        agent_dir=parent_dir,
        score=0.0,
        tasks=[
            TaskEvidence(
                TASK,
                "unresolved",
                problem=task.problem(),
                patch="--- a/backoff.py\n+++ b/backoff.py\n@@ -1 +1 @@\n-a\n+b\n",
                log="== step 1\n-- assistant\nI will read the code.\n== end: limits_exceeded\n",
                tests={"tests/test_backoff.py::test_default_doubles": "failed"},
                test_patch=hidden_tests(task),
                eval_log="FAILED tests/test_backoff.py::test_default_doubles - assert 0.5 == 1.0",
            )
        ],
    )
    records: list[LLMCallRecord] = []
    proposer = DGMProposer(
        run_llm_client(config), ctx, config.proposer, config.models, seed_agent_dir("coder")
    )
    workdir = tmp_path / "work"
    workdir.mkdir()

    try:
        proposal = proposer.propose(parent, workdir, random.Random(0), records.append)
    except ProposalError as err:
        # The diagnosis could not be used, even after its repair round: said, and recorded.
        assert "diagnosis failed" in str(err), str(err)
        assert [r.role for r in records] == ["diagnose", "diagnose"]
    else:
        assert proposal.info["task_id"] == TASK
        assert proposal.info["problem_description"].strip()
        assert proposal.info["implement"]["ended"] in ("exit", "timeout")
        roles = {r.role for r in records}
        assert "diagnose" in roles and "implement" in roles, roles
        validation = validate_child(
            parent_dir, proposal.child_dir, ctx, patch=proposal.patch, timeout_s=180
        )
        assert validation.reason  # "valid", or what failed and why
        if not proposal.patch.strip():
            assert not validation.ok and "empty" in validation.reason.lower()
    assert records and all(r.tokens_in > 0 for r in records if r.ok)
    assert all(r.cost_usd == 0.0 for r in records)
    # The diagnosis prompt fitted the 8k window: no call was refused for its length.
    assert not [r.error for r in records if r.error and "context" in r.error.lower()]
