"""`godelbox init`, `export` and `archive ls/select` on a real run dir, and moving a run dir."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import networkx as nx
import pytest

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import CODE_DIR, DB_FILE, Archive
from godelbox.config import CONFIG_FILE_NAME, load_config
from tests.archive.cli_runner import run_cli


def populate(archive: Archive, tmp_path: Path) -> dict[str, int]:
    """root (0.5) -> good (0.9) -> broken (invalid); root -> meh (0.2); with code and cost."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "run.py").write_text("print('root')\n")
    root_sha = archive.code.add_root(src)
    root = archive.add_node(parent_id=None, commit_sha=root_sha, agent_kind="repair")
    (src / "run.py").write_text("print('good')\n")
    good_sha = archive.code.add_child(root_sha, src)
    stats = archive.code.diff_stats(root_sha, good_sha)
    good = archive.add_node(
        parent_id=root,
        commit_sha=good_sha,
        files_changed=stats.files,
        insertions=stats.insertions,
        deletions=stats.deletions,
        proposal={"diagnosis": "prints the wrong word"},
    )
    meh = archive.add_node(parent_id=root, commit_sha=root_sha)
    broken = archive.add_node(parent_id=good, commit_sha=good_sha)
    for node, score in ((root, 0.5), (good, 0.9), (meh, 0.2)):
        archive.record_evaluation(node, stage=0, task_id="t1", outcome=Outcome.RESOLVED)
        archive.update_node(node, score=score)
        archive.set_status(node, NodeStatus.EVALUATED)
    archive.set_status(broken, NodeStatus.INVALID, reason="does not import")
    archive.record_llm_call(role="implement", model="m", cost_usd=0.5, node_id=good)
    return {"root": root, "good": good, "meh": meh, "broken": broken}


def table_ids(out: str) -> list[str]:
    """The id column of a rich table printed by `archive ls`."""
    cells = [line.split("│")[1].strip() for line in out.splitlines() if line.count("│") > 2]
    return [c for c in cells if c.isdigit()]


def test_init_creates_a_self_contained_run_dir(tmp_path: Path, monkeypatch, capsys) -> None:
    run_dir = tmp_path / "run"
    code, out, _ = run_cli(
        ["init", str(run_dir), "--set", "selection.policy=hgm", "--set", "run.seed=9"],
        monkeypatch,
        capsys,
    )
    assert code == 0 and "created run dir" in out
    assert sorted(p.name for p in run_dir.iterdir()) == [CODE_DIR, DB_FILE, CONFIG_FILE_NAME]
    snapshot = load_config(run_dir / CONFIG_FILE_NAME, env={}).config
    assert (snapshot.selection.policy, snapshot.run.seed) == ("hgm", 9)
    with Archive.open(run_dir) as archive:
        assert archive.config == snapshot and archive.nodes() == []
    assert str(tmp_path) not in (run_dir / CONFIG_FILE_NAME).read_text()


def test_run_dir_still_works_after_a_move(archive: Archive, tmp_path: Path) -> None:
    ids = populate(archive, tmp_path)
    good_sha = archive.node(ids["good"]).commit_sha
    archive.close()
    moved = tmp_path / "elsewhere" / "moved-run"
    moved.parent.mkdir()
    shutil.move(archive.run_dir, moved)
    with Archive.open(moved) as again:
        assert again.best_node().id == ids["good"]
        again.code.checkout(good_sha, tmp_path / "co")
        assert (tmp_path / "co" / "run.py").read_text() == "print('good')\n"
        assert len(again.code.lineage(good_sha)) == 2


def test_ls_lists_sorts_and_filters(archive: Archive, tmp_path: Path, monkeypatch, capsys):
    ids = populate(archive, tmp_path)
    run_dir = str(archive.run_dir)
    code, out, _ = run_cli(["archive", "ls", run_dir], monkeypatch, capsys)
    assert code == 0
    assert table_ids(out) == [str(i) for i in sorted(ids.values())]
    assert "0.900" in out and "0.5000" in out and "invalid" in out

    code, out, _ = run_cli(["archive", "ls", run_dir, "--sort", "score"], monkeypatch, capsys)
    assert table_ids(out)[0] == str(ids["good"])

    code, out, _ = run_cli(["archive", "ls", run_dir, "--status", "invalid"], monkeypatch, capsys)
    assert table_ids(out) == [str(ids["broken"])]


@pytest.mark.parametrize("fmt", ["json", "graphml"])
def test_export_round_trips(archive: Archive, tmp_path: Path, fmt: str, monkeypatch, capsys):
    ids = populate(archive, tmp_path)
    target = tmp_path / f"graph.{fmt}"
    code, _, _ = run_cli(
        ["export", str(archive.run_dir), "--format", fmt, "-o", str(target)], monkeypatch, capsys
    )
    assert code == 0
    if fmt == "json":
        data = json.loads(target.read_text())
        nodes = {n["id"]: n for n in data["nodes"]}
        edges = {tuple(e) for e in data["edges"]}
    else:
        graph = nx.read_graphml(target, node_type=int)
        nodes = {n: graph.nodes[n] for n in graph.nodes}
        edges = set(graph.edges)
    assert edges == {
        (ids["root"], ids["good"]),
        (ids["root"], ids["meh"]),
        (ids["good"], ids["broken"]),
    }
    good = nodes[ids["good"]]
    assert good["score"] == 0.9 and good["status"] == "evaluated" and good["cost_usd"] == 0.5
    assert good["depth"] == 1 and good["children"] == 1 and good["insertions"] == 1
    assert nodes[ids["root"]]["clade_successes"] == 3
    assert nodes[ids["broken"]]["reason"] == "does not import"


def test_select_dry_run_uses_the_runs_policy(archive: Archive, tmp_path, monkeypatch, capsys):
    ids = populate(archive, tmp_path)
    run_dir = str(archive.run_dir)
    code, out, _ = run_cli(
        ["archive", "select", run_dir, "-p", "best", "-n", "2"], monkeypatch, capsys
    )
    assert code == 0 and out.split() == [str(ids["good"]), str(ids["root"])]
    code, out, _ = run_cli(
        ["archive", "select", run_dir, "-n", "5", "--seed", "3"], monkeypatch, capsys
    )
    expected = archive.select_parents(random.Random(3), 5)
    assert out.split() == [str(i) for i in expected]
    assert str(ids["broken"]) not in out.split()


def test_archive_calls_lists_every_call_with_tokens_and_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    run_dir = tmp_path / "run"
    code, _, _ = run_cli(["init", str(run_dir)], monkeypatch, capsys)
    assert code == 0
    with Archive.open(run_dir) as archive:
        node = archive.add_node(parent_id=None, commit_sha="0" * 40)
        archive.record_llm_call(
            role="diagnose",
            model="openai/local",
            tokens_in=812,
            tokens_out=160,
            latency_s=12.5,
            node_id=node,
        )
        archive.record_llm_call(
            role="agent",
            model="openai/local",
            node_id=node,
            error="Timeout: \x1b[31mrequest timed out\x1b[0m",
        )
        other = archive.add_node(parent_id=node, commit_sha="0" * 40)
        archive.record_llm_call(
            role="implement", model="openai/local", tokens_in=5, tokens_out=1, node_id=other
        )

    code, out, _ = run_cli(["archive", "calls", str(run_dir)], monkeypatch, capsys)
    assert code == 0
    assert "812" in out and "160" in out and "diagnose" in out and "Timeout" in out
    assert "\x1b" not in out  # the provider's text cannot drive the terminal
    assert "3 calls, 1 failed, 978 tokens, $0.0000" in out
    code, out, _ = run_cli(
        ["archive", "calls", str(run_dir), "--node", str(other)], monkeypatch, capsys
    )
    assert "1 calls, 0 failed, 6 tokens" in out and "diagnose" not in out
