"""`godelbox show`, and the guarantee every view relies on: the archive is never written."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from godelbox.archive.store import Archive, RunDirError
from godelbox.cli import app
from godelbox.tui.app import ArchiveApp
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.reader import ArchiveReader
from godelbox.views.synthetic_archive import BuiltArchive

WIDE = {"COLUMNS": "160"}
"""rich sizes its output from COLUMNS, not from the runner's terminal width: without it a long
tmp path (pytest-xdist adds a directory) wraps and a line looked for is split."""


def show(*args: str) -> str:
    result = CliRunner().invoke(app, ["show", *args], terminal_width=160, env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


def test_show_tree_is_depth_limited_and_caps_children(generated_archive: BuiltArchive) -> None:
    built = generated_archive
    seed = min(built.nodes)
    children = built.children(seed)
    grandchildren = [g for c in children for g in built.children(c)]
    assert grandchildren
    out = show(str(built.run_dir), "--depth", "1")
    for node_id in [seed, *children]:
        assert f"#{node_id} " in out
    for node_id in grandchildren:
        assert f"#{node_id} " not in out
    capped = show(str(built.run_dir), "--depth", "1", "--children", "2")
    assert f"… {len(children) - 2} more children" in capped
    deep = show(str(built.run_dir), "--depth", "50")
    assert all(f"#{node_id} " in deep for node_id in built.nodes)
    assert f"#{built.best_id} " in deep and "★ best" in deep


def test_show_node_has_scores_proposal_and_diff(generated_archive: BuiltArchive) -> None:
    plan = generated_archive.nodes[generated_archive.best_id]
    out = show(str(generated_archive.run_dir), str(plan.id))
    assert f"node #{plan.id}" in out and f"score {plan.score:.3f}" in out
    assert plan.proposal["problem_description"] in out
    changed = set(plan.source.splitlines()) - set(
        generated_archive.nodes[plan.parent_id or 0].source.splitlines()
    )
    assert all(f"+{line}" in out for line in changed)


def test_bad_run_dir_is_one_clear_error(tmp_path: Path) -> None:
    for command in ("show", "tui", "plot"):
        result = CliRunner().invoke(app, [command, str(tmp_path / "missing")])
        assert isinstance(result.exception, RunDirError), command
        assert "godelbox init" in str(result.exception)
    (tmp_path / "not-a-run").mkdir()
    result = CliRunner().invoke(app, ["show", str(tmp_path / "not-a-run")])
    assert isinstance(result.exception, RunDirError)


def digest(run_dir: Path) -> str:
    sha = hashlib.sha256()
    for path in sorted(p for p in run_dir.rglob("*") if p.is_file()):
        if path.name.endswith(("-shm", "-wal")):
            continue  # SQLite's shared-memory index; readers map it, which is not a write
        sha.update(path.relative_to(run_dir).as_posix().encode())
        sha.update(path.read_bytes())
    return sha.hexdigest()


def test_views_never_write_to_the_run(fresh_archive: BuiltArchive, tmp_path: Path) -> None:
    run_dir = fresh_archive.run_dir
    before = digest(run_dir)
    show(str(run_dir))
    show(str(run_dir), str(max(fresh_archive.nodes)))
    CliRunner().invoke(app, ["replay", str(run_dir), str(max(fresh_archive.nodes))])
    CliRunner().invoke(app, ["plot", str(run_dir), "-o", str(tmp_path / "plots")])
    reader = ArchiveReader.open(run_dir)

    async def browse() -> None:
        async with ArchiveApp(reader, NodeDiffs.for_run(reader), refresh_s=0).run_test() as pilot:
            for key in ("b", "p", "s", "r", "down", "space"):
                await pilot.press(key)

    asyncio.run(browse())
    # The reader's own connections refuse writes (SQLite mode=ro + query_only).
    with (
        pytest.raises(OperationalError, match=r"readonly|read-only"),
        reader._engine.begin() as conn,
    ):
        conn.execute(text("DELETE FROM agent_node"))
    reader.close()
    assert digest(run_dir) == before


def test_a_child_still_being_proposed_has_no_diff_yet(fresh_archive: BuiltArchive) -> None:
    """The loop adds a child before its code exists (empty commit); views must say so."""
    with Archive.open(fresh_archive.run_dir) as archive:
        node = archive.add_node(parent_id=1, commit_sha="")
    out = show(str(fresh_archive.run_dir), str(node))
    assert f"node #{node}" in out and "proposed" in out
    assert "no code yet: the child is still being proposed" in out
    result = CliRunner().invoke(app, ["replay", str(fresh_archive.run_dir), str(node)])
    assert result.exit_code == 0 and "no code yet" in result.output


def test_entry_point_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    """An empty dir is not a run: one `error:` line on stderr, exit code 2, nothing else."""
    entry = "from godelbox.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", entry, "replay", str(tmp_path), "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error:")
    assert done.stdout == ""


def test_show_says_what_the_depth_and_children_limits_hide(
    generated_archive: BuiltArchive,
) -> None:
    built = generated_archive
    seed = min(built.nodes)
    children = built.children(seed)
    out = " ".join(show(str(built.run_dir), "--depth", "1").split())  # unwrapped
    hidden = len(built.nodes) - 1 - len(children)
    assert f"{hidden} of {len(built.nodes)} nodes not shown: deeper than 1 " in out
    assert "(--depth 2 or more shows them)" in out and "--children" not in out
    capped = " ".join(show(str(built.run_dir), "--depth", "1", "--children", "2").split())
    assert f"{len(children) - 2} siblings past the first 2 (--children raises that)" in capped
    assert "not shown" not in show(str(built.run_dir), "--depth", "50")


def test_task_logs_are_named_in_show_and_replay(generated_archive: BuiltArchive) -> None:
    built = generated_archive
    best = built.best_id
    folder = built.run_dir / "logs" / f"node-{best}"
    line = f"task logs: {folder}/<task>.log"
    assert line in show(str(built.run_dir), str(best))
    assert all((folder / f"{task}.log").is_file() for task in built.nodes[best].outcomes)
    replay = CliRunner().invoke(
        app, ["replay", str(built.run_dir), str(best)], terminal_width=200, env=WIDE
    )
    assert replay.exit_code == 0, replay.output
    assert replay.output.count("task logs: ") == len(lineage_ids(built, best))
    assert line in replay.output


def lineage_ids(built: BuiltArchive, node_id: int) -> list[int]:
    chain = [node_id]
    while (parent := built.nodes[chain[-1]].parent_id) is not None:
        chain.append(parent)
    return chain


def test_a_file_given_as_a_run_dir_is_called_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("not a run\n", encoding="utf-8")
    for args in (["show"], ["tui"], ["status"], ["run"], ["config", "show"], ["replay"]):
        result = CliRunner().invoke(
            app, [*args, str(afile), *(["1"] if args == ["replay"] else [])]
        )
        assert isinstance(result.exception, RunDirError), (args, result.output)
        assert f"{afile} is a file, not a run directory" in str(result.exception)
    assert afile.read_text(encoding="utf-8") == "not a run\n"
