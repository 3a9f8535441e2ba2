"""`godelbox run --iterations 1` on MiniWoB++ with every role on the local model (real docker,
browser, git, SQLite): the LLM web agent (agents/web) plays its episode in the agent sandbox
next to the browser sandbox, its calls go through its session's gateway (token and all) to the
local server and are billed to the node; the child begins with a diagnosis of the web evidence
and is implemented by the pinned coding seed on the same model. A 135M model solves nothing
reliably, so no score is asserted: what this proves is that the web loop runs on a real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from tests.fixtures.docker_engine import BUSY_HOST_CPU_SHARES
from tests.realmodel.settings import realmodel_config, run_iterations

pytestmark = pytest.mark.docker

FINAL = {NodeStatus.EVALUATED, NodeStatus.INVALID, NodeStatus.FAILED}


@pytest.mark.timeout(1500)
def test_one_generation_of_web_evolution_on_a_real_model(
    tmp_path: Path, local_model, docker_engine, agent_image, web_image
) -> None:
    data = realmodel_config(
        local_model,
        agent_image,
        evaluation={"bench": "miniwob:click-test", "stages": [{"min_score_to_continue": 0.0}]},
        web={"image": web_image, "repeats": 1, "step_limit": 3, "episode_timeout_s": 90.0},
        loop={"children_per_generation": 1},
        sandbox={"cpu_shares": BUSY_HOST_CPU_SHARES},
    )
    run_dir = run_iterations(tmp_path, data, 1)
    with Archive.open(run_dir) as archive:
        nodes = archive.nodes()
        calls = archive.llm_calls()
        assert archive.total_cost() == 0.0
        seed_rows = archive.evaluations(nodes[0].id or 0)
    assert len(nodes) == 2
    seed, child = nodes
    assert seed.agent_kind == "web"
    assert seed.status is NodeStatus.EVALUATED and seed.tasks_attempted == 1
    [row] = seed_rows
    episode = row.details["episode"]
    assert episode["task"] == "click-test" and episode["ended"]  # BrowserGym's summary
    assert child.status in FINAL and (child.status is NodeStatus.EVALUATED or child.reason)
    answered = [c for c in calls if c.error is None]
    assert answered and all(c.tokens_in > 0 and c.tokens_out > 0 for c in answered)
    stray = [(c.node_id, c.role, c.model, c.error) for c in calls]
    stray = [c for c in stray if c[0] is None or c[2] != "openai/local"]
    assert not stray, stray  # every call billed to a node, every role on the local model
    # The web agent reached the model through its session's gateway, billed to the seed.
    assert any(c.role == "agent" and c.node_id == seed.id for c in answered)
    # The child began with a diagnosis (of the seed's web episode).
    assert any(c.role == "diagnose" and c.node_id == child.id for c in calls)
