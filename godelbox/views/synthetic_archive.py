"""Synthetic but real archives (the real `Archive` API and git code store), for the view tests and
the TUI screenshot in docs/ (which must not import from tests/).

Each child's code is its parent's `agent.py` with one parameter line changed, committed as a real
git child commit, so diffs, lineages and scores are all genuine and known to the test. Scores come
from per-task outcomes recorded with `record_evaluation` in two stages, like the loop does.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml

TASKS = ("fix-off-by-one", "parse-dates", "retry-http", "sort-stable", "utf8-paths", "lru-cache")
STAGE_SIZES = (3, 3)
"""Stage 0 runs the first three tasks; stage 1 the other three, if stage 0 resolved >= 1/3."""


@dataclass
class NodePlan:
    """What the builder wrote for one node (the test's ground truth)."""

    id: int
    parent_id: int | None
    source: str
    status: NodeStatus
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    score: float | None = None
    proposal: dict[str, str] = field(default_factory=dict)


@dataclass
class BuiltArchive:
    run_dir: Path
    nodes: dict[int, NodePlan]

    @property
    def best_id(self) -> int:
        scored = [n for n in self.nodes.values() if n.status is NodeStatus.EVALUATED]
        return min(scored, key=lambda n: (-(n.score or 0.0), n.id)).id

    def children(self, node_id: int) -> list[int]:
        return [n.id for n in self.nodes.values() if n.parent_id == node_id]


def seed_source(params: int = 8) -> str:
    lines = ['"""A toy agent whose behaviour is set by its parameters."""', ""]
    lines += [f"PARAM_{i} = 0" for i in range(params)]
    return "\n".join(lines) + "\n"


def mutate(source: str, param: int, value: int) -> str:
    out = []
    for line in source.splitlines():
        if line.startswith(f"PARAM_{param} = "):
            line = f"PARAM_{param} = {value}"
        out.append(line)
    return "\n".join(out) + "\n"


def new_run(run_dir: Path, name: str = "views-test") -> Archive:
    config = Config()
    config.run.name = name
    return Archive.create(run_dir, dump_toml(config))


def add_seed(archive: Archive, source: str) -> NodePlan:
    with tempfile.TemporaryDirectory(prefix="godelbox-seed-") as tmp:
        (Path(tmp) / "agent.py").write_text(source, encoding="utf-8")
        sha = archive.code.add_root(Path(tmp))
    node_id = archive.add_node(parent_id=None, commit_sha=sha, agent_kind="toy")
    return NodePlan(node_id, None, source, NodeStatus.PROPOSED)


def add_child(
    archive: Archive, parent: NodePlan, source: str, proposal: dict[str, str]
) -> NodePlan:
    parent_sha = archive.node(parent.id).commit_sha
    with tempfile.TemporaryDirectory(prefix="godelbox-child-") as tmp:
        (Path(tmp) / "agent.py").write_text(source, encoding="utf-8")
        sha = archive.code.add_child(parent_sha, Path(tmp), message=proposal.get("diagnosis", ""))
    stats = archive.code.diff_stats(parent_sha, sha)
    node_id = archive.add_node(
        parent_id=parent.id,
        commit_sha=sha,
        agent_kind="toy",
        proposal=proposal,
        files_changed=stats.files,
        insertions=stats.insertions,
        deletions=stats.deletions,
    )
    return NodePlan(node_id, parent.id, source, NodeStatus.PROPOSED, proposal=proposal)


def task_log(node_id: int, task: str) -> str:
    """The log the builder writes for one task of one node (the test's ground truth)."""
    return f"agent output of node {node_id} on {task}\ngrader: done\n"


def evaluate(archive: Archive, plan: NodePlan, resolved: set[str]) -> None:
    """Record staged task results as the loop would, then mark the node evaluated."""
    archive.set_status(plan.id, NodeStatus.EVALUATING)
    start = 0
    stage_reached = 0
    for stage, size in enumerate(STAGE_SIZES):
        for task in TASKS[start : start + size]:
            outcome = Outcome.RESOLVED if task in resolved else Outcome.UNRESOLVED
            log_rel = Path("logs") / f"node-{plan.id}" / f"{task}.log"
            (archive.run_dir / log_rel).parent.mkdir(parents=True, exist_ok=True)
            (archive.run_dir / log_rel).write_text(task_log(plan.id, task), encoding="utf-8")
            archive.record_evaluation(
                plan.id,
                stage=stage,
                task_id=task,
                outcome=outcome,
                duration_s=1.5 + stage,
                log_path=str(log_rel),
            )
            plan.outcomes[task] = outcome
        stage_reached = stage + 1  # stages run, as the loop records it
        start += size
        done = sum(1 for o in plan.outcomes.values() if o is Outcome.RESOLVED)
        if done / len(plan.outcomes) < 1 / 3:
            break
    plan.score = sum(1 for o in plan.outcomes.values() if o is Outcome.RESOLVED) / len(
        plan.outcomes
    )
    archive.update_node(plan.id, score=plan.score, stage_reached=stage_reached, wall_time_s=12.5)
    archive.set_status(plan.id, NodeStatus.EVALUATED)
    plan.status = NodeStatus.EVALUATED


def build_archive(
    run_dir: Path, n_nodes: int, seed: int = 0, name: str = "views-test"
) -> BuiltArchive:
    """A seed plus `n_nodes - 1` children; about one in eight is invalid; all others evaluated.
    Parents are drawn among evaluated nodes, favouring good ones, as a selection policy would."""
    rng = random.Random(seed)
    archive = new_run(run_dir, name)
    try:
        root = add_seed(archive, seed_source())
        evaluate(archive, root, {TASKS[0], TASKS[1]})
        plans = {root.id: root}
        for index in range(1, n_nodes):
            evaluated = [p for p in plans.values() if p.status is NodeStatus.EVALUATED]
            weights = [0.2 + (p.score or 0.0) for p in evaluated]
            parent = rng.choices(evaluated, weights)[0]
            param, value = rng.randrange(8), rng.randrange(1, 100)
            proposal = {
                "diagnosis": f"task {TASKS[index % len(TASKS)]} fails: PARAM_{param} too small",
                "problem_description": f"raise PARAM_{param} to {value}",
                "operator": "tune-parameter",
            }
            child = add_child(archive, parent, mutate(parent.source, param, value), proposal)
            archive.record_llm_call(
                role="diagnose",
                model="fake/gpt",
                tokens_in=1200 + index,
                tokens_out=300,
                cost_usd=0.002,
                latency_s=1.1,
                node_id=child.id,
            )
            archive.record_llm_call(
                role="implement",
                model="fake/gpt",
                tokens_in=2500,
                tokens_out=800 + index,
                cost_usd=0.004,
                latency_s=2.3,
                node_id=child.id,
            )
            plans[child.id] = child
            if rng.random() < 0.125:
                archive.set_status(child.id, NodeStatus.INVALID, reason="agent self-tests fail")
                child.status = NodeStatus.INVALID
                continue
            inherited = {t for t, o in parent.outcomes.items() if o is Outcome.RESOLVED}
            flipped = {rng.choice(TASKS)}
            evaluate(archive, child, inherited ^ flipped)
        return BuiltArchive(run_dir, plans)
    finally:
        archive.close()
