"""DGM's rules in the daemon on the real stack (docker, git, SQLite, the offline agent and
proposer): tasks attempted `evaluation.attempts` times, the "no open-ended exploration" policy
(always the newest eligible node), and children that changed no code kept out of the parents."""

from __future__ import annotations

from pathlib import Path

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from tests.daemon.runs import run_to_end, write_config

EXTRA = """
[selection]
policy = "latest"
require_patch = true
"""


def test_attempts_latest_policy_and_the_patch_rule(tmp_path: Path, agent_image: str) -> None:
    config = write_config(
        tmp_path / "run.toml", agent_image, tasks=1, children=1, iterations=3, extra=EXTRA
    )
    text = config.read_text().replace(
        "task_timeout_s = 120.0", "task_timeout_s = 120.0\nattempts = 2"
    )
    config.write_text(text)
    run_to_end(tmp_path / "run", "--config", str(config))

    with Archive.open(tmp_path / "run") as archive:
        nodes = archive.nodes()
        rows = {n.id: archive.evaluations(n.id or 0) for n in nodes}
    assert len(nodes) == 4
    for node in nodes:
        if node.status is NodeStatus.EVALUATED:
            # each task twice, the second marked as such, and the score is over both attempts
            assert [r.details.get("attempt", 1) for r in rows[node.id]] == [1, 2]
            assert {r.task_id for r in rows[node.id]} == {rows[node.id][0].task_id}
            resolved = sum(r.outcome == "resolved" for r in rows[node.id])
            assert node.score == resolved / 2
            assert node.made_patch is (
                None
                if node.parent_id is None
                else any((r.details.get("patch") or "").strip() for r in rows[node.id])
            )
    # Each child's parent is the newest node that could be a parent when it was made.
    for child in nodes[1:]:
        eligible = [
            n.id
            for n in nodes
            if n.id < child.id
            and n.status is NodeStatus.EVALUATED
            and n.made_patch is not False
            and n.finished_at is not None
            and n.finished_at <= child.created_at
        ]
        assert child.parent_id == max(eligible), (child.id, eligible)
