"""End to end in real sandboxes: a code-level proposal (not a template) makes a valid child that
solves a task its parent did not, and the loop records each child's proposal kind and the
bandit's draw."""

from __future__ import annotations

import random
import shutil
from dataclasses import replace

import pytest

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import StageSection
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, evaluate_benchmark
from godelbox.evaluator.swebench import builtin_benchmark
from godelbox.proposer.base import ParentEvidence
from godelbox.proposer.code import parameters
from godelbox.proposer.code.source import AgentCode
from godelbox.proposer.offline import offline_proposer
from godelbox.proposer.validate import validate_child
from tests.daemon.runs import run_to_end, write_config
from tests.offline.agent_runner import SEED, seed_config_line

pytestmark = [pytest.mark.docker]
TASK = "builtin__tokenbucket-9"
"""The seed localises this bug to its sixth most suspicious line and mutates only five."""


@pytest.fixture(scope="module")
def ctx(docker_backend, agent_image) -> EvalContext:
    return EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-offline-code"},
        task_timeout_s=600.0,
        grade_timeout_s=120.0,
    )


def test_code_level_child_solves_what_its_parent_could_not(ctx, tmp_path):
    parent = tmp_path / "parent"
    shutil.copytree(SEED, parent, ignore=shutil.ignore_patterns("__pycache__"))
    wanted = f"config.py:{seed_config_line('TOP_LINES')}: TOP_LINES 5 -> 10"
    others = [c.description for c in parameters.candidates(AgentCode.read(parent))]
    assert wanted in others
    # Every other change counts as tried on this parent, so the kind has to draw this one.
    evidence = ParentEvidence(
        node_id=1,
        agent_dir=parent,
        score=None,
        tasks=[],
        tried=tuple(d for d in others if d != wanted),
    )
    proposal = offline_proposer(["parameter"]).propose(
        evidence, tmp_path / "draft", random.Random(0), print
    )
    assert proposal.kind == "parameter" and proposal.info["description"] == wanted

    validation = validate_child(parent, proposal.child_dir, ctx, timeout_s=600)
    assert validation.ok, validation.reason
    assert validation.diff_stats.paths == ["config.py"]

    bench = builtin_benchmark("dev")
    bench = replace(bench, task_list=[t for t in bench.task_list if t.task_id == TASK])
    stages = [StageSection(tasks=None)]
    before = evaluate_benchmark(ctx, bench, AgentSolver(parent), stages=stages, workers=1)
    after = evaluate_benchmark(
        ctx, bench, AgentSolver(proposal.child_dir), stages=stages, workers=1
    )
    assert not before.results[TASK].resolved, before.results[TASK].reason
    assert after.results[TASK].resolved, after.results[TASK].reason


def test_loop_records_each_childs_kind_and_the_draw(tmp_path, agent_image):
    run_dir = tmp_path / "run"
    config = write_config(
        tmp_path / "godelbox.toml",
        agent_image,
        children=2,
        iterations=2,
        tasks=1,
        extra='\n[proposer]\noffline_kinds = ["parameter", "ast", "crossover"]\n',
    )
    run_to_end(run_dir, "--config", str(config), timeout_s=1800)
    with Archive.open(run_dir) as archive:
        children = [n for n in archive.nodes() if n.parent_id is not None]
        assert len(children) == 4
        for node in children:
            if node.status == NodeStatus.FAILED:
                continue
            assert node.proposal_kind in ("parameter", "ast", "crossover")
            assert node.proposal["bandit"]["drawn"] == node.proposal_kind
            assert node.proposal["kind"] == node.proposal_kind
        second = [n for n in children if n.proposal["generation"] == 2]
        seen = {k: [n, w] for k, (n, w) in archive.kind_stats(before_id=second[0].id).items()}
        assert all(n.proposal["bandit"]["stats"] == seen for n in second if n.proposal_kind)
