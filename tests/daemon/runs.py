"""Helpers for daemon tests: write a run config, start `godelbox run` as a real process, and read
back what a run left (a fingerprint to compare runs, and the invariants every run must keep)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.sandbox import labels

SMALL_RUN = """
[run]
seed = {seed}

[sandbox]
image = "{image}"

[evaluation]
bench = "builtin:dev"
workers = {workers}
task_timeout_s = 120.0

[[evaluation.stages]]
tasks = {tasks}
min_score_to_continue = 0.0

[loop]
schedule = "{schedule}"
children_per_generation = {children}
proposal_workers = {workers}
eval_workers = {workers}

[budget]
iterations = {iterations}
"""


def write_config(path: Path, image: str, *, extra: str = "", **values: Any) -> Path:
    settings = {
        "seed": 11,
        "workers": 1,
        "tasks": 2,
        "children": 2,
        "iterations": 1,
        "schedule": "generational",
    }
    settings.update(values)
    path.write_text(SMALL_RUN.format(image=image, **settings) + extra, encoding="utf-8")
    return path


def start_run(run_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`godelbox run RUN_DIR --log-format json ARGS` as a child process, stdout piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "godelbox", "run", str(run_dir), "--log-format", "json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def stop(proc: subprocess.Popen) -> None:
    """Stop a daemon: SIGTERM (it ends its sandboxes), SIGKILL if it has not gone in a minute."""
    proc.terminate()
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()


def run_to_end(run_dir: Path, *args: str, timeout_s: float = 600) -> str:
    proc = start_run(run_dir, *args)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        stop(proc)  # left running, it would keep evaluating (and holding sandboxes)
        raise
    assert proc.returncode == 0, f"godelbox run failed ({proc.returncode}):\n{err[-3000:]}"
    return out


def fingerprint(run_dir: Path) -> list[tuple[Any, ...]]:
    """What must be identical between two runs of the same seed: every node's identity, code,
    proposal and score, and every task outcome."""
    with Archive.open(run_dir) as archive:
        rows = []
        for node in archive.nodes():
            outcomes = sorted(
                (e.task_id, e.stage, str(e.outcome)) for e in archive.evaluations(node.id or 0)
            )
            rows.append(
                (
                    node.id,
                    node.parent_id,
                    node.commit_sha,
                    str(node.status),
                    node.score,
                    node.stage_reached,
                    node.proposal,
                    tuple(outcomes),
                )
            )
        return rows


def check_invariants(run_dir: Path, open_nodes: int = 0) -> None:
    """No duplicate or orphan nodes, no node left half-done (except the last `open_nodes`,
    which a budget stop leaves `proposed` for a resumed run), every score equal to the
    aggregate of its task results, and no task evaluated twice for one node."""
    with Archive.open(run_dir) as archive:
        nodes = archive.nodes()
        ids = [n.id for n in nodes]
        assert ids == list(range(1, len(nodes) + 1)), f"node ids are not contiguous: {ids}"
        slots = [
            (n.proposal["generation"], n.proposal["slot"])
            for n in nodes
            if n.proposal and "slot" in n.proposal
        ]
        assert len(slots) == len(set(slots)), f"duplicate children for a slot: {slots}"
        for index, node in enumerate(nodes):
            assert node.parent_id is None or node.parent_id in ids, f"orphan node {node.id}"
            if index >= len(nodes) - open_nodes:
                assert node.status == NodeStatus.PROPOSED and not node.commit_sha
                continue
            assert node.status.is_final, f"node {node.id} left {node.status}"
            assert node.commit_sha, f"node {node.id} has no commit"
            rows = archive.evaluations(node.id or 0)
            tasks = [r.task_id for r in rows]
            assert len(tasks) == len(set(tasks)), f"node {node.id} evaluated a task twice"
            if node.status == NodeStatus.EVALUATED:
                resolved = sum(r.outcome == Outcome.RESOLVED for r in rows)
                assert rows and node.score == resolved / len(rows)


def leftover_containers(client: Any, run_dir: Path) -> list[str]:
    # the low-level list: `containers.list` inspects each one it lists, and a container the
    # engine removes in between raises NotFound
    found = client.api.containers(all=True, filters={"label": f"{labels.RUN}={run_dir.resolve()}"})
    return [name.lstrip("/") for c in found for name in c["Names"][:1]]
