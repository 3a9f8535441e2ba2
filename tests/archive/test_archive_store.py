"""The `Archive` API on real SQLite: round-trips, the event log, the incremental graph view, and a
concurrent reader process while the writer inserts."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive, NodeNotFoundError
from godelbox.config import Config, dump_toml


def test_schema_round_trip(archive: Archive) -> None:
    proposal = {"diagnosis": "off-by-one in ränge()", "steps": [1, 2, {"nested": None}]}
    root = archive.add_node(parent_id=None, commit_sha="a" * 40, agent_kind="repair")
    child = archive.add_node(
        parent_id=root,
        commit_sha="b" * 40,
        agent_kind="repair",
        proposal=proposal,
        files_changed=2,
        insertions=10,
        deletions=3,
    )
    archive.update_node(child, score=0.75, stage_reached=2, wall_time_s=12.5, reason="why not")
    archive.set_status(child, NodeStatus.EVALUATED)
    details = {"tests": {"test_a": "passed", "test_b": "failed"}, "patch": "--- a\n+++ b\n"}
    archive.record_evaluation(
        child,
        stage=1,
        task_id="task-7",
        outcome=Outcome.OOM,
        duration_s=3.25,
        details=details,
        log_path="logs/2/task-7.log",
    )
    archive.record_llm_call(
        role="implement",
        model="gpt-x",
        tokens_in=100,
        tokens_out=20,
        cost_usd=0.125,
        latency_s=1.5,
        node_id=child,
        error="429 rate limited",
    )
    seq = archive.append_event("generation.started", payload={"generation": 3, "parents": [1]})
    archive.close()

    with Archive.open(archive.run_dir) as again:
        node = again.node(child)
        assert (node.parent_id, node.commit_sha, node.agent_kind) == (root, "b" * 40, "repair")
        assert node.proposal == proposal
        assert (node.files_changed, node.insertions, node.deletions) == (2, 10, 3)
        assert (node.score, node.stage_reached, node.wall_time_s) == (0.75, 2, 12.5)
        assert node.status is NodeStatus.EVALUATED and node.reason == "why not"
        assert node.created_at.tzinfo is not None and node.finished_at is not None
        assert node.created_at <= node.finished_at <= datetime.now(UTC)
        assert (node.tasks_resolved, node.tasks_attempted) == (0, 1)
        [ev] = again.evaluations(child)
        assert (ev.stage, ev.task_id, ev.outcome, ev.score) == (1, "task-7", Outcome.OOM, 0.0)
        assert (ev.duration_s, ev.details, ev.log_path) == (3.25, details, "logs/2/task-7.log")
        assert again.total_cost() == 0.125 and again.cost_by_node() == {child: 0.125}
        kinds = [(e.kind, e.node_id) for e in again.events()]
        assert kinds == [
            ("node.added", root),
            ("node.added", child),
            ("node.status", child),
            ("generation.started", None),
        ]
        assert again.events(after_seq=seq - 1)[0].payload == {"generation": 3, "parents": [1]}
        # The defaults, apart from where the database is (tests/scale runs this on PostgreSQL).
        expected = Config()
        expected.archive.database_url = archive.config.archive.database_url
        assert again.config == expected


def test_ids_follow_creation_and_bad_references_are_refused(archive: Archive) -> None:
    ids = [archive.add_node(parent_id=None, commit_sha="c" * 40) for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    with pytest.raises(NodeNotFoundError):
        archive.add_node(parent_id=999, commit_sha="d" * 40)
    with pytest.raises(NodeNotFoundError):
        archive.set_status(999, NodeStatus.FAILED)
    with pytest.raises(NodeNotFoundError):
        archive.record_evaluation(999, stage=0, task_id="t", outcome=Outcome.RESOLVED)
    assert archive.evaluations(999) == []
    with pytest.raises(ValueError, match="status"):
        archive.update_node(ids[0], status=NodeStatus.EVALUATED)
    assert [n.id for n in archive.nodes()] == ids
    assert archive.node(ids[0]).status is NodeStatus.PROPOSED


def test_status_changes_stamp_finish_and_are_logged(archive: Archive) -> None:
    node = archive.add_node(parent_id=None, commit_sha="e" * 40)
    archive.set_status(node, NodeStatus.EVALUATING)
    assert archive.node(node).finished_at is None
    archive.set_status(node, NodeStatus.INVALID, reason="self-tests fail")
    got = archive.node(node)
    assert got.finished_at is not None and got.reason == "self-tests fail"
    statuses = [e.payload["status"] for e in archive.events() if e.kind == "node.status"]
    assert statuses == ["evaluating", "invalid"]
    assert [n.id for n in archive.nodes(NodeStatus.INVALID)] == [node]


def test_a_status_and_its_fields_are_written_together_or_not_at_all(archive: Archive) -> None:
    node = archive.add_node(parent_id=None, commit_sha="e" * 40)
    archive.set_status(node, NodeStatus.EVALUATED, score=0.75, stage_reached=2)
    got = archive.node(node)
    assert (got.status, got.score, got.stage_reached) == (NodeStatus.EVALUATED, 0.75, 2)
    assert archive.graph().g.nodes[node]["score"] == 0.75
    for bad in ({"score": float("nan")}, {"parent_id": 3}):
        with pytest.raises(ValueError):
            archive.set_status(node, NodeStatus.FAILED, "boom", **bad)
    got = archive.node(node)
    assert (got.status, got.score, got.reason) == (NodeStatus.EVALUATED, 0.75, None)
    statuses = [e.payload["status"] for e in archive.events() if e.kind == "node.status"]
    assert statuses == ["evaluated"]


ops = st.lists(
    st.tuples(
        st.sampled_from(["child", "result", "score", "status"]),
        st.integers(0, 10**6),
        st.sampled_from(list(Outcome)),
        st.sampled_from(list(NodeStatus)),
        st.floats(0, 1),
    ),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(script=ops)
def test_incremental_graph_equals_a_rebuild_from_the_database(script: list) -> None:
    """The live graph (updated write by write) must equal one built from the database."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        Archive.create(Path(tmp) / "run", dump_toml(Config())) as live,
    ):
        ids = [live.add_node(parent_id=None, commit_sha="0" * 40)]
        live.graph()
        for kind, pick, outcome, status, score in script:
            target = ids[pick % len(ids)]
            if kind == "child":
                ids.append(live.add_node(parent_id=target, commit_sha="1" * 40))
            elif kind == "result":
                live.record_evaluation(target, stage=0, task_id=str(pick), outcome=outcome)
            elif kind == "score":
                live.update_node(target, score=score)
            else:
                live.set_status(target, status)
        with Archive.open(live.run_dir) as fresh:
            rebuilt, incremental = fresh.graph(), live.graph()
            a, b = rebuilt.candidates(), incremental.candidates()
            for column in ("ids", "scores", "children", "clade_successes", "clade_failures"):
                assert getattr(a, column).tolist() == getattr(b, column).tolist(), column
            counts = fresh.children_counts()
            for node in ids:
                assert rebuilt.clade(node) == incremental.clade(node)
                assert incremental.children_count(node) == counts.get(node, 0)
                assert rebuilt.lineage(node) == incremental.lineage(node)
                assert incremental.depth(node) == len(incremental.lineage(node)) - 1
                expected = _clade_from_rows(fresh, node)
                assert (rebuilt.clade(node).successes, rebuilt.clade(node).failures) == expected


def _clade_from_rows(archive: Archive, node_id: int) -> tuple[int, int]:
    """Brute force: walk the parent pointers of every node, count evaluations per clade."""
    parents = {n.id: n.parent_id for n in archive.nodes()}
    wins = losses = 0
    for member, _ in parents.items():
        up: int | None = member
        while up is not None and up != node_id:
            up = parents[up]
        if up == node_id:
            for ev in archive.evaluations(member):
                wins += ev.outcome is Outcome.RESOLVED
                losses += ev.outcome is not Outcome.RESOLVED
    return wins, losses


READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from sqlalchemy import func, select
    from godelbox.archive.models import AgentNode
    from godelbox.archive.store import Archive

    run_dir, target = Path(sys.argv[1]), int(sys.argv[2])
    seen, polls, errors, regressions = 0, 0, [], 0
    deadline = time.monotonic() + 120
    with Archive.open(run_dir) as archive:
        while seen < target and time.monotonic() < deadline:
            try:
                with archive.engine.connect() as conn:
                    count = conn.execute(select(func.count()).select_from(AgentNode)).scalar()
                archive.events(after_seq=max(0, count - 5))
                archive.children_counts()
            except Exception as exc:
                errors.append(repr(exc))
                continue
            regressions += count < seen
            seen = max(seen, count)
            polls += 1
    print(json.dumps({"seen": seen, "polls": polls, "errors": errors[:3], "back": regressions}))
    """
)


@pytest.mark.slow  # make unit leaves it out (see the Makefile)
def test_concurrent_reader_never_blocks_or_breaks_the_writer(archive: Archive) -> None:
    total = 2000
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(archive.run_dir), str(total)],
        stdout=subprocess.PIPE,
        text=True,
    )
    rng = random.Random(0)
    ids = [archive.add_node(parent_id=None, commit_sha="f" * 40)]
    while len(ids) < total:
        ids.append(archive.add_node(parent_id=rng.choice(ids), commit_sha="f" * 40))
        if len(ids) % 50 == 0:
            archive.record_evaluation(ids[-1], stage=0, task_id="t", outcome=Outcome.RESOLVED)
    out, _ = reader.communicate(timeout=180)
    report = json.loads(out)
    assert reader.returncode == 0
    assert report["errors"] == [] and report["back"] == 0
    assert report["seen"] == total and report["polls"] > 10


def test_an_archive_from_before_made_patch_gains_the_column_and_keeps_its_parents(
    tmp_path: Path,
) -> None:
    """v3 archives have no agent_node.made_patch: opening one adds it, and its nodes stay
    eligible parents (unknown is not 'made no patch')."""
    from godelbox.archive.db import MIGRATIONS, migrate

    run_dir = tmp_path / "run"
    archive = Archive.create(run_dir, dump_toml(Config()))
    node = archive.add_node(parent_id=None, commit_sha="0" * 40)
    archive.set_status(node, NodeStatus.EVALUATED, score=0.5)
    archive.close()
    archive = Archive.open(run_dir)
    with archive.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE agent_node DROP COLUMN made_patch")
        before = 1 + next(i for i, m in enumerate(MIGRATIONS) if "made_patch" in m.__name__)
        conn.exec_driver_sql(
            f"UPDATE godelbox_meta SET value = '{before}' WHERE key = 'schema_version'"
        )
    assert migrate(archive.engine) == 1 + len(MIGRATIONS)
    archive.refresh()
    assert archive.node(node).made_patch is None
    assert archive.graph().candidates().ids.tolist() == [node]
    archive.close()


def test_a_child_that_made_no_patch_is_not_a_parent(tmp_path: Path) -> None:
    archive = Archive.create(tmp_path / "run", dump_toml(Config()))
    root = archive.add_node(parent_id=None, commit_sha="0" * 40)
    archive.set_status(root, NodeStatus.EVALUATED, score=0.2)
    child = archive.add_node(parent_id=root, commit_sha="1" * 40)
    archive.set_status(child, NodeStatus.EVALUATED, score=0.9, made_patch=False)
    other = archive.add_node(parent_id=root, commit_sha="2" * 40)
    archive.set_status(other, NodeStatus.EVALUATED, score=0.1, made_patch=True)

    assert archive.graph().candidates().ids.tolist() == [root, other]
    archive.refresh()  # the same from the database
    assert archive.graph().candidates().ids.tolist() == [root, other]
    archive.close()
