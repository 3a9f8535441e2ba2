"""The `tampered` outcome end to end, without sandboxes: the journal keeps its evidence, the
archive counts it per node, no selection policy ever draws such a node and it is never the best
(also after the archive is reopened, and on an archive migrated from before the counter), and
`godelbox show` and the TUI's detail show it with its evidence."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from rich.console import Console

from godelbox.archive.db import MIGRATIONS, migrate
from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.selection import POLICIES
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.evaluator.journal import Journal
from godelbox.evaluator.results import Evidence, TaskResult
from godelbox.tui.archive_reader import ArchiveReader
from godelbox.tui.node_detail import render_node_detail
from godelbox.tui.node_label import node_label

EVIDENCE = [
    Evidence(
        "control_passed", "tests/t.py::test_fix passed with an inverted expectation", "control"
    )
]


def tampered_result(task_id: str = "t-1") -> TaskResult:
    return TaskResult(
        task_id, "tampered", "the answer tampered with its grade", evidence=list(EVIDENCE)
    )


def test_the_journal_keeps_the_outcome_and_its_evidence(tmp_path: Path):
    journal = Journal(tmp_path / "j.jsonl", {"bench": "b", "solver": "s"})
    journal.append(tampered_result())
    reread = Journal(tmp_path / "j.jsonl", {"bench": "b", "solver": "s"}).results
    back = reread["t-1"]
    assert back == tampered_result() and not back.resolved and back.tampered
    assert back.evidence[0].describe().startswith("control_passed (control run): tests/t.py")


def build(run_dir: Path) -> tuple[Archive, int, int]:
    """A seed scoring 0.5 and a child scoring 1.0 whose one other task was tampered."""
    archive = Archive.create(run_dir, dump_toml(Config()))
    tree = run_dir.parent / f"{run_dir.name}-tree"
    tree.mkdir()
    (tree / "agent.py").write_text("STRATEGY = 'honest'\n")
    seed_sha = archive.code.add_root(tree)
    (tree / "agent.py").write_text("STRATEGY = 'forge'\n")
    seed = archive.add_node(parent_id=None, commit_sha=seed_sha)
    child = archive.add_node(parent_id=seed, commit_sha=archive.code.add_child(seed_sha, tree))
    for node, outcomes in ((seed, ["resolved", "unresolved"]), (child, ["resolved", "tampered"])):
        for index, outcome in enumerate(outcomes):
            result = tampered_result(f"t-{index}") if outcome == "tampered" else None
            archive.record_evaluation(
                node,
                stage=0,
                task_id=f"t-{index}",
                outcome=Outcome(outcome),
                details=result.to_dict() if result else {"reason": "ok"},
            )
    archive.set_status(seed, NodeStatus.EVALUATED, score=0.5)
    archive.set_status(child, NodeStatus.EVALUATED, score=1.0)  # higher score than the seed
    return archive, seed, child


@pytest.mark.parametrize("reopen", [False, True])
def test_no_policy_ever_draws_a_tampered_node_and_it_is_never_best(tmp_path: Path, reopen):
    archive, seed, child = build(tmp_path / "run")
    if reopen:
        archive.close()
        archive = Archive.open(tmp_path / "run")
    assert archive.node(child).tasks_tampered == 1 and archive.node(seed).tasks_tampered == 0
    assert archive.node(child).tasks_resolved == 1  # a tampered result is never a success
    for policy in POLICIES:
        drawn = archive.select_parents(random.Random(0), 50, policy=policy)
        assert set(drawn) == {seed}, policy
    assert archive.best_node().id == seed
    assert archive.graph().best() == seed
    archive.close()


def test_an_archive_from_before_the_counter_is_migrated_and_counted(tmp_path: Path):
    archive, seed, child = build(tmp_path / "run")
    before = 1 + next(i for i, m in enumerate(MIGRATIONS) if "tampered" in m.__name__)
    with archive.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE agent_node SET tasks_tampered = 0")
        conn.exec_driver_sql(
            f"UPDATE godelbox_meta SET value = '{before}' WHERE key = 'schema_version'"
        )
    assert migrate(archive.engine) == 1 + len(MIGRATIONS)
    archive.close()
    with Archive.open(tmp_path / "run") as reopened:
        assert reopened.node(child).tasks_tampered == 1
        assert reopened.select_parents(random.Random(0), 20, policy="best") == [seed] * 20


def test_show_and_the_tui_mark_the_node_and_show_its_evidence(tmp_path: Path):
    archive, seed, child = build(tmp_path / "run")
    archive.close()
    reader = ArchiveReader.open(tmp_path / "run")
    try:
        assert reader.best().id == seed
        summary = reader.node(child)
        assert summary.tampered == 1 and "⚠ tampered" in node_label(summary).plain
        assert "tampered" not in node_label(reader.node(seed)).plain
        console = Console(width=200, record=True, color_system=None)
        console.print(render_node_detail(reader.detail(child), diff=""))
        text = console.export_text()
    finally:
        reader.close()
    assert "TAMPERED: forged its grade on 1 task(s)" in text
    assert "tampering evidence" in text
    assert re.search(r"control_passed \(control run\): tests/t\.py::test_fix passed", text)


def test_godelbox_show_prints_it(tmp_path: Path):
    from typer.testing import CliRunner

    from godelbox.cli import app

    archive, _, child = build(tmp_path / "run")
    archive.close()
    tree = CliRunner().invoke(app, ["show", str(tmp_path / "run")])
    assert tree.exit_code == 0, tree.output
    assert "⚠ tampered" in tree.output
    node = CliRunner().invoke(app, ["show", str(tmp_path / "run"), str(child)])
    assert node.exit_code == 0, node.output
    assert "TAMPERED" in node.output and "control_passed" in node.output
