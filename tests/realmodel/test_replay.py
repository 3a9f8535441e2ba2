"""Recording and replaying the coder agent on the real (tiny) model, in docker.

The agent is held to two model calls (its step limit, not its clock: a replay answers at once,
so an agent stopped by time would go further when replayed). Its run is recorded at the
gateway, stored in a real archive, then replayed with the models pointing at a port where
nothing listens: the outcome and every call must come back from the recording. The same agent
with one word of its system prompt changed diverges at its first call.
"""

from __future__ import annotations

import shutil

import pytest

from godelbox.archive.recordings import TapeReader
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.evaluator.evaluation import evaluate_tasks, select_tasks
from godelbox.llm.local import free_port
from godelbox.loop.solvers import GatewayAgentSolver, run_llm_client
from godelbox.paths import seed_agent_dir
from godelbox.rerun import PlaybackSolver
from godelbox.sandbox.recording import Tape
from godelbox.sandbox.select import backend_for
from tests.realmodel.settings import realmodel

pytestmark = pytest.mark.docker

TASK = "builtin__backoff-11"
PROMPT = "You change files so that"


def _agent(tmp_path, name: str, prompt: str = PROMPT):
    agent = tmp_path / name
    shutil.copytree(seed_agent_dir("coder"), agent)
    config = agent / "config.py"
    text = config.read_text()
    assert "step_limit: int = 60" in text and PROMPT in text
    config.write_text(
        text.replace("step_limit: int = 60", "step_limit: int = 2").replace(PROMPT, prompt)
    )
    return agent


def test_a_real_model_run_replays_from_its_recording(
    local_model, docker_engine, agent_image, tmp_path
) -> None:
    config = realmodel(local_model, agent_image, evaluation={"task_timeout_s": 300.0})
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"test": "realmodel"})
    bench = load_benchmark("builtin:dev", ctx)
    tasks = select_tasks(bench, [TASK])
    agent = _agent(tmp_path, "agent")
    tapes: list[Tape] = []

    def sink(record: object) -> None:
        if isinstance(record, Tape):
            tapes.append(record)

    live = GatewayAgentSolver(agent, run_llm_client(config), sink, record=True)
    (recorded,) = evaluate_tasks(ctx, bench, tasks, live)
    (tape,) = tapes
    assert tape.calls >= 1 and len(tape.exchanges) == tape.calls

    archive = Archive.create(tmp_path / "run", dump_toml(Config()))
    node = archive.add_node(parent_id=None, commit_sha="0" * 40)
    archive.record_tape(node, tape)
    stored = TapeReader(archive.engine).tapes(node)

    # Nothing listens where the models now point: a call to them could only fail.
    dead = f"http://127.0.0.1:{free_port()}/v1"
    offline = config.model_copy(deep=True)
    offline.models.api_base = dead
    for endpoint in offline.models.endpoints.values():
        endpoint.api_base = dead
    player = PlaybackSolver(agent, {TASK: list(stored)}, run_llm_client(offline))
    (replayed,) = evaluate_tasks(ctx, bench, tasks, player)
    assert not player.divergences, player.divergences
    assert player.answered == tape.calls
    assert replayed.outcome == recorded.outcome
    assert replayed.patch == recorded.patch

    edited = _agent(tmp_path, "edited", "You edit files so that")
    player = PlaybackSolver(edited, {TASK: list(stored)}, run_llm_client(offline))
    evaluate_tasks(ctx, bench, tasks, player)
    (divergence,) = player.divergences
    assert divergence.call == 1 and divergence.task_id == TASK
    assert "+You edit files so that" in divergence.diff
    archive.close()
