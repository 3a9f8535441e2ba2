"""`replay --rerun`: a lineage recorded by the real evaluator in real sandboxes reproduces
exactly, and a record that does not match the code is reported with the task that flipped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.benchmark import Benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, evaluate_tasks, select_tasks
from godelbox.rerun import RerunStep, rerun_lineage, summary
from godelbox.tui.archive_reader import ArchiveReader

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
    """Store results and score exactly as the loop does (patch_failed counts as unresolved)."""
    archive.set_status(node_id, NodeStatus.EVALUATING)
    for task_id, outcome in outcomes.items():
        mapped = Outcome.UNRESOLVED if outcome == "patch_failed" else Outcome(outcome)
        archive.record_evaluation(node_id, stage=0, task_id=task_id, outcome=mapped)
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
def reruns(
    tmp_path_factory: pytest.TempPathFactory, ctx: EvalContext, bench: Benchmark
) -> tuple[list[RerunStep], dict[str, int]]:
    """seed (no patch: 0.0) → fixer (carries the task's fix: 1.0), both evaluated for real, then
    `stale`, a child with the fixer's code whose record says the task stayed unresolved (as a
    flaky grader or a changed environment would leave it). Rerun seed → stale once."""
    tmp = tmp_path_factory.mktemp("rerun")
    config = Config()
    config.sandbox.image = ctx.image
    archive = Archive.create(tmp / "run", dump_toml(config))
    task = select_tasks(bench, [TASK])
    fix = task[0].oracle_patch()
    ids: dict[str, int] = {}
    with archive:
        seed_sha = archive.code.add_root(agent_tree(tmp / "seed", {}))
        fixer_sha = archive.code.add_child(seed_sha, agent_tree(tmp / "fixer", {"fix": fix}))
        ids["seed"] = archive.add_node(parent_id=None, commit_sha=seed_sha)
        ids["fixer"] = archive.add_node(parent_id=ids["seed"], commit_sha=fixer_sha)
        ids["stale"] = archive.add_node(parent_id=ids["fixer"], commit_sha=fixer_sha)
        for name, tree in (("seed", tmp / "seed"), ("fixer", tmp / "fixer")):
            results = evaluate_tasks(ctx, bench, task, AgentSolver(tree))
            record_like_the_loop(archive, ids[name], {r.task_id: r.outcome for r in results})
        record_like_the_loop(archive, ids["stale"], {TASK: "unresolved"})
    reader = ArchiveReader.open(tmp / "run")
    try:
        return rerun_lineage(reader, ctx, bench, ids["stale"]), ids
    finally:
        reader.close()


def test_rerun_reproduces_recorded_scores_exactly(
    reruns: tuple[list[RerunStep], dict[str, int]],
) -> None:
    steps, ids = reruns
    seed, fixer, _stale = steps
    assert [s.node_id for s in steps] == [ids["seed"], ids["fixer"], ids["stale"]]
    assert (seed.recorded_score, fixer.recorded_score) == (0.0, 1.0), "the fixture really fixes"
    assert (seed.rerun_score, fixer.rerun_score) == (0.0, 1.0)
    assert seed.reproduced and fixer.reproduced
    assert seed.difference == 0.0 and fixer.difference == 0.0


def test_rerun_reports_a_record_that_does_not_reproduce(
    reruns: tuple[list[RerunStep], dict[str, int]],
) -> None:
    steps, ids = reruns
    stale = steps[-1]
    assert not stale.reproduced
    assert stale.flipped == (TASK,) and stale.difference == 1.0
    assert summary(steps) == f"1 of 3 scores do not reproduce: #{ids['stale']}"
