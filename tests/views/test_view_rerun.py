"""`replay --rerun`: a lineage re-evaluated by the real evaluator in real sandboxes reproduces
its recorded scores exactly, and a record that does not match the code is reported with the task
that flipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.config import Config, dump_toml
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.benchmark import Benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import select_tasks
from godelbox.views.reader import ArchiveReader
from godelbox.views.rerun import TaskProgress, rerun_lineage, summary

pytestmark = pytest.mark.docker

PATCH_AGENT = Path(__file__).resolve().parent / "fixtures" / "patch_agent" / "run.py"
TASK = "builtin__backoff-11"


def agent_tree(dest: Path, patches: dict[str, str]) -> Path:
    (dest / "patches").mkdir(parents=True)
    shutil.copy(PATCH_AGENT, dest / "run.py")
    for name, text in patches.items():
        (dest / "patches" / f"{name}.patch").write_text(text, encoding="utf-8")
    return dest


def record_like_the_loop(archive: Archive, node_id: int, outcomes: dict[str, str]) -> None:
    """Store results and score exactly as the loop does."""
    archive.set_status(node_id, NodeStatus.EVALUATING)
    for task_id, outcome in outcomes.items():
        archive.record_evaluation(node_id, stage=0, task_id=task_id, outcome=Outcome(outcome))
    resolved = sum(o == "resolved" for o in outcomes.values())
    archive.update_node(node_id, score=resolved / len(outcomes), stage_reached=1)
    archive.set_status(node_id, NodeStatus.EVALUATED)


@pytest.fixture(scope="module")
def bench() -> Benchmark:
    return load_benchmark("builtin:dev")


@pytest.fixture(scope="module")
def ctx(docker_backend, agent_image: str) -> EvalContext:
    return EvalContext(
        backend=docker_backend,
        image=agent_image,
        labels={"run": "tests-views-rerun"},
        task_timeout_s=60.0,
        grade_timeout_s=60.0,
    )


@pytest.fixture(scope="module")
def lineage(
    tmp_path_factory: pytest.TempPathFactory, agent_image: str, bench: Benchmark
) -> tuple[Path, dict[str, int]]:
    """seed (carries no patch) → fixer (carries the task's fix) → stale (the fixer's code, but
    recorded as unresolved, as a flaky grader or a changed environment would leave it). The
    config snapshot names the docker backend, the agent image and the built-in benchmark."""
    tmp = tmp_path_factory.mktemp("rerun")
    config = Config()
    config.sandbox.image = agent_image
    config.sandbox.backend = "docker"
    config.evaluation.bench = "builtin:dev"
    fix = select_tasks(bench, [TASK])[0].oracle_patch()
    ids: dict[str, int] = {}
    with Archive.create(tmp / "run", dump_toml(config)) as archive:
        seed_sha = archive.code.add_root(agent_tree(tmp / "seed", {}))
        fixer_sha = archive.code.add_child(seed_sha, agent_tree(tmp / "fixer", {"fix": fix}))
        ids["seed"] = archive.add_node(parent_id=None, commit_sha=seed_sha)
        ids["fixer"] = archive.add_node(parent_id=ids["seed"], commit_sha=fixer_sha)
        ids["stale"] = archive.add_node(parent_id=ids["fixer"], commit_sha=fixer_sha)
        record_like_the_loop(archive, ids["seed"], {TASK: "unresolved"})
        record_like_the_loop(archive, ids["fixer"], {TASK: "resolved"})
        record_like_the_loop(archive, ids["stale"], {TASK: "unresolved"})
    return tmp / "run", ids


def test_rerun_reproduces_exact_scores_and_flags_the_stale_record(
    lineage: tuple[Path, dict[str, int]], ctx: EvalContext, bench: Benchmark
) -> None:
    run_dir, ids = lineage
    reader = ArchiveReader.open(run_dir)
    try:
        progress: list[TaskProgress] = []
        steps = rerun_lineage(reader, ctx, bench, ids["stale"], on_task=progress.append)
    finally:
        reader.close()
    seed, fixer, stale = steps
    # Every task is reported as it finishes, with its node and how far that node is.
    assert [(p.node_id, p.done, p.total) for p in progress] == [(s.node_id, 1, 1) for s in steps]
    assert [p.outcome for p in progress] == [s.rerun[TASK] for s in steps]
    assert [s.node_id for s in steps] == [ids["seed"], ids["fixer"], ids["stale"]]
    assert (seed.rerun_score, fixer.rerun_score) == (0.0, 1.0), "the fixer really fixes it"
    assert seed.reproduced and fixer.reproduced
    assert seed.difference == 0.0 and fixer.difference == 0.0
    assert not stale.reproduced
    assert stale.flipped == (TASK,) and stale.difference == 1.0
    assert summary(steps) == f"1 of 3 scores do not reproduce: #{ids['stale']}"


def test_replay_rerun_cli_uses_the_runs_own_sandbox_and_benchmark(
    lineage: tuple[Path, dict[str, int]],
) -> None:
    run_dir, ids = lineage
    result = CliRunner().invoke(app, ["replay", str(run_dir), str(ids["fixer"]), "--rerun"])
    assert result.exit_code == 0, result.output
    assert f"#{ids['seed']}: recorded 0.000  rerun 0.000  reproduced (1 tasks)" in result.output
    assert f"#{ids['fixer']}: recorded 1.000  rerun 1.000  reproduced (1 tasks)" in result.output
    assert result.output.rstrip().endswith("all 2 recorded scores reproduce")
