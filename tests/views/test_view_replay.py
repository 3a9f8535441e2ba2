"""`godelbox replay` on a hand-built lineage whose diffs, scores and task flips are known."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.errors import UserError
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.reader import ArchiveReader
from godelbox.views.replay import replay_lineage
from godelbox.views.synthetic_archive import (
    NodePlan,
    add_child,
    add_seed,
    mutate,
    new_run,
    seed_source,
)

R, U = Outcome.RESOLVED, Outcome.UNRESOLVED


@dataclass(frozen=True)
class Lineage:
    run_dir: Path
    ids: list[int]
    """seed, A, B, C: C is the node replayed."""
    sibling: int


def record(archive: Archive, plan: NodePlan, outcomes: dict[str, Outcome]) -> None:
    archive.set_status(plan.id, NodeStatus.EVALUATING)
    for task, outcome in outcomes.items():
        archive.record_evaluation(plan.id, stage=0, task_id=task, outcome=outcome)
    score = sum(o is R for o in outcomes.values()) / len(outcomes)
    archive.update_node(plan.id, score=score, stage_reached=1)
    archive.set_status(plan.id, NodeStatus.EVALUATED)


@pytest.fixture(scope="module")
def lineage(tmp_path_factory: pytest.TempPathFactory) -> Lineage:
    run_dir = tmp_path_factory.mktemp("replay") / "run"
    archive = new_run(run_dir)
    try:
        seed = add_seed(archive, seed_source(4))
        record(archive, seed, {"a": R, "b": U, "c": U, "d": R})
        a = add_child(archive, seed, mutate(seed.source, 1, 5), {"diagnosis": "b needs PARAM_1"})
        record(archive, a, {"a": R, "b": R, "c": U, "d": R})
        sibling = add_child(archive, seed, mutate(seed.source, 3, 1), {"diagnosis": "unrelated"})
        record(archive, sibling, {"a": U, "b": U, "c": U, "d": U})
        b = add_child(archive, a, mutate(a.source, 2, 7), {"diagnosis": "c needs PARAM_2"})
        record(archive, b, {"a": U, "b": R, "c": R, "d": R})
        c = add_child(archive, b, mutate(b.source, 1, 9), {"diagnosis": "a broke: PARAM_1"})
        record(archive, c, {"a": R, "b": R, "c": R, "d": R})
    finally:
        archive.close()
    return Lineage(run_dir, [seed.id, a.id, b.id, c.id], sibling.id)


def test_replay_lists_every_step_with_diff_delta_and_flips(lineage: Lineage) -> None:
    reader = ArchiveReader.open(lineage.run_dir)
    try:
        steps = replay_lineage(reader, NodeDiffs.for_run(reader), lineage.ids[-1])
    finally:
        reader.close()

    assert [s.node.id for s in steps] == lineage.ids
    assert [s.node.score for s in steps] == [0.5, 0.75, 0.75, 1.0]
    assert [s.delta for s in steps] == [None, 0.25, 0.0, 0.25]
    assert [s.fixed for s in steps] == [(), ("b",), ("c",), ("a",)]
    assert [s.broken for s in steps] == [(), (), ("a",), ()]
    assert steps[0].diff is None and steps[0].resolved == ("a", "d")
    expected_changes = [("PARAM_1 = 0", "PARAM_1 = 5"), ("PARAM_2 = 0", "PARAM_2 = 7")]
    expected_changes.append(("PARAM_1 = 5", "PARAM_1 = 9"))
    for step, (old, new) in zip(steps[1:], expected_changes, strict=True):
        assert step.diff is not None
        removed = [ln[1:] for ln in step.diff.splitlines() if ln.startswith("-") and ln[1:2] != "-"]
        added = [ln[1:] for ln in step.diff.splitlines() if ln.startswith("+") and ln[1:2] != "+"]
        assert (removed, added) == ([old], [new])
    assert steps[3].proposal == {"diagnosis": "a broke: PARAM_1"}


def test_replay_cli_is_plain_and_pipeable(lineage: Lineage) -> None:
    result = CliRunner().invoke(app, ["replay", str(lineage.run_dir), str(lineage.ids[-1])])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "\x1b[" not in out, "piped output must carry no terminal escapes"
    seed, a, b, c = lineage.ids
    assert f"lineage of #{c}: #{seed} → #{a} → #{b} → #{c} (4 steps)" in out
    assert f"#{b} <- #{a}  score 0.750 -> 0.750 (+0.000)" in out
    assert "   fixed: c\n   broke: a\n" in out
    assert "-PARAM_1 = 5\n+PARAM_1 = 9\n" in out
    assert f"#{lineage.sibling} " not in out, "a sibling off the lineage is not replayed"


def test_replay_unknown_node_is_a_user_error(lineage: Lineage) -> None:
    result = CliRunner().invoke(app, ["replay", str(lineage.run_dir), "999"])
    assert isinstance(result.exception, UserError)
    assert "no node 999" in str(result.exception)
