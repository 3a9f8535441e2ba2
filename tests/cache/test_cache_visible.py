"""Cache hits are visible without sandboxes: the archive counts them, `godelbox status`, `show`
and the TUI say which results were served, and an archive from before `evaluation.cached` is
migrated (and read, unmigrated, by the read-only TUI) with every old result counted as run."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from godelbox.archive.db import MIGRATIONS, migrate
from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.cli import app
from godelbox.config import Config, dump_toml
from godelbox.tui.archive_reader import ArchiveReader
from godelbox.tui.node_detail import render_node_detail


def build(run_dir: Path) -> tuple[Archive, int]:
    """One node with three results, the second served by the cache."""
    archive = Archive.create(run_dir, dump_toml(Config()))
    tree = run_dir.parent / "tree"
    tree.mkdir()
    (tree / "agent.py").write_text("X = 1\n")
    node = archive.add_node(parent_id=None, commit_sha=archive.code.add_root(tree))
    for index, cached in enumerate((False, True, False)):
        archive.record_evaluation(
            node, stage=0, task_id=f"t-{index}", outcome=Outcome.RESOLVED, cached=cached
        )
    archive.set_status(node, NodeStatus.EVALUATED, score=1.0)
    return archive, node


def test_status_show_and_the_tui_count_the_served_results(tmp_path: Path) -> None:
    archive, node = build(tmp_path / "run")
    assert archive.evaluation_counts() == (3, 1)
    assert [r.cached for r in archive.evaluations(node)] == [False, True, False]
    archive.close()

    runner = CliRunner()
    status = runner.invoke(app, ["status", str(tmp_path / "run")], env={"COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    assert "3 results, 1 from the evaluation cache (33%)" in status.output
    shown = runner.invoke(app, ["show", str(tmp_path / "run"), str(node)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "1 of 3 results served by the evaluation cache" in shown.output

    reader = ArchiveReader.open(tmp_path / "run")
    try:
        detail = reader.detail(node)
        assert [t.cached for t in detail.tasks] == [False, True, False]
        progress = reader.progress(None)
        assert (progress.tasks, progress.tasks_cached) == (3, 1)
        console = Console(width=200, record=True, color_system=None)
        console.print(render_node_detail(detail, diff=""))
        rows = [line for line in console.export_text().splitlines() if "t-" in line]
    finally:
        reader.close()
    assert ["cached" in row for row in rows] == [False, True, False]


def test_an_archive_from_before_the_column_is_read_and_migrated(tmp_path: Path) -> None:
    archive, node = build(tmp_path / "run")
    before = 1 + MIGRATIONS.index(next(m for m in MIGRATIONS if "cached" in m.__name__))
    with archive.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE evaluation DROP COLUMN cached")
        conn.exec_driver_sql(
            f"UPDATE godelbox_meta SET value = '{before}' WHERE key = 'schema_version'"
        )
    reader = ArchiveReader.open(tmp_path / "run")  # read-only: never migrates
    try:
        assert [t.cached for t in reader.detail(node).tasks] == [False, False, False]
        assert reader.progress(None).tasks_cached == 0
    finally:
        reader.close()
    assert migrate(archive.engine) == 1 + len(MIGRATIONS)
    archive.close()
    with Archive.open(tmp_path / "run") as reopened:
        assert reopened.evaluation_counts() == (3, 0)
