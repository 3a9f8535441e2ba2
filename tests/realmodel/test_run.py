"""`godelbox run --iterations 2` with every role on the local model (real docker, git, SQLite):
the DGM loop runs end to end on a real language model. Every node ends with an outcome (and a
reason when it is not evaluated), every call is in the archive with the server's token counts,
and the run costs $0 under a dollar budget (a local model is free, so the budget accepts it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from tests.realmodel.settings import realmodel_config, run_iterations

pytestmark = pytest.mark.docker

FINAL = {NodeStatus.EVALUATED, NodeStatus.INVALID, NodeStatus.FAILED}


def test_two_generations_of_the_dgm_loop_on_a_real_model(
    tmp_path: Path, local_model, docker_engine, agent_image
) -> None:
    data = realmodel_config(local_model, agent_image, loop={"children_per_generation": 1})
    run_dir = run_iterations(tmp_path, data, 2)
    with Archive.open(run_dir) as archive:
        nodes = archive.nodes()
        calls = archive.llm_calls()
        assert archive.total_cost() == 0.0
    assert len(nodes) == 3  # the seed and one child per generation
    for node in nodes:
        assert node.status in FINAL, (node.id, node.status)
        if node.status is not NodeStatus.EVALUATED:
            assert node.reason, node.id
    root = nodes[0]
    assert root.status is NodeStatus.EVALUATED and root.tasks_attempted == 1
    answered = [c for c in calls if c.error is None]
    assert answered and all(c.tokens_in > 0 and c.tokens_out > 0 for c in answered)
    assert all(c.node_id is not None and c.model == "openai/local" for c in calls)
    roles = {c.role for c in answered}
    assert "agent" in roles  # the seed's evaluation
    assert "diagnose" in roles  # each child began with a diagnosis
    for child in nodes[1:]:
        own = [c for c in calls if c.node_id == child.id]
        assert own, f"node {child.id} has no recorded call"
        if child.proposal and "implement" in child.proposal:
            assert {c.role for c in own} >= {"diagnose", "implement"}
