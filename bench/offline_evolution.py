"""Offline evolution: operator proposals on the repair agent, evaluated in real sandboxes.

Each iteration selects a parent (archive policy `best` or `dgm`), asks the offline proposer for
one transformation of its source, commits the child to a git code store, validates it in a
sandbox (non-empty diff, compiles, imports, own tests pass) and evaluates it on builtin:dev in
stages through the real evaluator (Docker, no network). At the end the seed and the best agent are
both evaluated on every task of builtin:dev and builtin:heldout and their resolve rates printed,
with the ratio best/seed (goal on heldout: >= 2).

    .venv/bin/python bench/offline_evolution.py --iterations 30 --seed 0

Determinism: every random draw comes from generators derived from --seed in a fixed order and
the agent budgets its search in candidates, not seconds, so the same seed gives the same archive;
the last line prints a fingerprint of it (node, parent, commit, score, per-task outcomes) to
compare two runs. Identical agent trees are evaluated once (`--no-reuse` to re-run them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from godelbox.archive.candidates import CandidateRow, Candidates
from godelbox.archive.codestore import CodeStore
from godelbox.archive.selection import get_policy
from godelbox.config import Config, StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, evaluate_benchmark
from godelbox.evaluator.results import TaskResult
from godelbox.proposer.base import TaskEvidence
from godelbox.proposer.operators import Evidence, propose
from godelbox.proposer.validate import validate_child

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_AGENT = REPO_ROOT / "agents" / "repair"
ALL_TASKS = [StageSection(tasks=None, min_score_to_continue=0.0)]


@dataclass
class Node:
    id: int
    parent: int | None
    commit: str
    transformation: str = "seed"
    description: str = ""
    valid: bool = True
    reason: str = ""
    results: dict[str, TaskResult] = field(default_factory=dict)
    children: int = 0

    @property
    def score(self) -> float:
        if not self.results:
            return 0.0
        return sum(r.resolved for r in self.results.values()) / len(self.results)


class Evolution:
    def __init__(self, ctx: EvalContext, store: CodeStore, scratch: Path, args) -> None:
        self.ctx, self.store, self.scratch, self.args = ctx, store, scratch, args
        self.nodes: list[Node] = []
        self.cache: dict[tuple[str, str], dict[str, TaskResult]] = {}
        self.evaluations = 0
        self.reused = 0

    def checkout(self, node: Node) -> Path:
        dest = self.scratch / f"node-{node.id}"
        if not dest.exists():
            self.store.checkout(node.commit, dest)
        return dest

    def evaluate(self, node: Node, spec: str, stages: list[StageSection]) -> dict[str, TaskResult]:
        key = (
            tree_digest(self.checkout(node)),
            spec + json.dumps([s.model_dump() for s in stages]),
        )
        if key in self.cache and not self.args.no_reuse:
            self.reused += 1
            return self.cache[key]
        self.evaluations += 1
        outcome = evaluate_benchmark(
            self.ctx,
            load_benchmark(spec),
            AgentSolver(self.checkout(node)),
            stages=stages,
            workers=self.args.workers,
        )
        results = {task_id: outcome.results[task_id] for task_id in sorted(outcome.results)}
        self.cache[key] = results
        return results

    def step(self, iteration: int, select_rng: random.Random) -> Node:
        eligible = [n for n in self.nodes if n.valid]
        candidates = Candidates.from_rows(CandidateRow(n.id, n.score, n.children) for n in eligible)
        parent = self.nodes[get_policy(self.args.policy)(candidates, select_rng, 1)[0]]
        parent.children += 1
        evidence = Evidence.from_tasks(
            TaskEvidence(r.task_id, r.outcome, log=r.log) for r in parent.results.values()
        )
        child_rng = random.Random(f"{self.args.seed}:child:{iteration}")
        parent_dir = self.checkout(parent)
        tried = [n.description for n in self.nodes if n.parent == parent.id]
        offer = propose(parent_dir, child_rng, evidence, tried)
        child_dir = self.scratch / f"proposal-{iteration}"
        shutil.copytree(parent_dir, child_dir)
        offer.apply(child_dir)
        commit = self.store.add_child(
            parent.commit, child_dir, f"{offer.transformation}: {offer.description}"
        )
        node = Node(len(self.nodes), parent.id, commit, offer.transformation, offer.description)
        self.nodes.append(node)
        check = validate_child(parent_dir, child_dir, self.ctx, timeout_s=120)
        node.valid, node.reason = check.ok, check.reason
        if node.valid:
            node.results = self.evaluate(node, self.args.bench, self.args.stages)
        return node


def tree_digest(root: Path) -> str:
    """Content hash of an agent tree: equal trees behave identically (the agent is
    deterministic), so their evaluation can be reused."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_context(args) -> EvalContext:
    from godelbox.evaluator.context import context_from_config
    from godelbox.sandbox.docker import DockerBackend
    from godelbox.sandbox.engine import ensure_engine, require_client
    from godelbox.sandbox.image import ensure_image

    status = ensure_engine(fix=True, log=lambda _msg: None)
    if not status.ok:
        sys.exit(f"offline_evolution needs a docker engine: {status.detail}")
    image = ensure_image().tag
    config = Config()
    ctx = context_from_config(
        config, DockerBackend(require_client(), sweep=False), labels={"godelbox.bench": "offline"}
    )
    return EvalContext(
        backend=ctx.backend,
        image=image,
        limits=ctx.limits,
        labels=ctx.labels,
        task_timeout_s=args.task_timeout,
        grade_timeout_s=ctx.grade_timeout_s,
    )


def fingerprint(nodes: list[Node]) -> str:
    rows = [
        [
            n.id,
            n.parent,
            n.commit,
            n.valid,
            round(n.score, 6),
            sorted((t, r.outcome) for t, r in n.results.items()),
        ]
        for n in nodes
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


def rate(results: dict[str, TaskResult]) -> str:
    resolved = sum(r.resolved for r in results.values())
    return f"{resolved}/{len(results)} = {resolved / max(1, len(results)):.3f}"


def lineage(evo: Evolution, node: Node) -> list[Node]:
    chain = [node]
    while chain[-1].parent is not None:
        chain.append(evo.nodes[chain[-1].parent])
    return list(reversed(chain))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--policy", choices=["best", "dgm"], default="best")
    parser.add_argument("--bench", default="builtin:dev")
    parser.add_argument("--heldout", default="builtin:heldout")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--task-timeout", type=float, default=300.0)
    parser.add_argument("--full-stages", action="store_true", help="every child on every task")
    parser.add_argument("--no-reuse", action="store_true", help="re-evaluate identical trees")
    parser.add_argument("--keep", type=Path, help="keep the code store in this directory")
    args = parser.parse_args(argv)
    args.stages = ALL_TASKS if args.full_stages else list(Config().evaluation.stages)

    started = time.monotonic()
    ctx = build_context(args)
    with tempfile.TemporaryDirectory(prefix="godelbox-offline-evo-") as tmp:
        scratch = Path(tmp)
        store_dir = args.keep or scratch / "agents.git"
        store = CodeStore.init(store_dir)
        evo = Evolution(ctx, store, scratch, args)
        seed_copy = scratch / "seed-source"
        shutil.copytree(SEED_AGENT, seed_copy, ignore=shutil.ignore_patterns("__pycache__"))
        seed = Node(0, None, store.add_root(seed_copy, "seed: agents/repair"))
        evo.nodes.append(seed)
        seed.results = evo.evaluate(seed, args.bench, args.stages)
        print(f"node 0 seed: {args.bench} staged {rate(seed.results)}", flush=True)
        select_rng = random.Random(f"{args.seed}:select")
        for iteration in range(1, args.iterations + 1):
            node = evo.step(iteration, select_rng)
            verdict = rate(node.results) if node.valid else f"INVALID ({node.reason[:80]})"
            print(
                f"node {node.id} <- {node.parent} {node.transformation}: {node.description} "
                f"-> {verdict}",
                flush=True,
            )
        best = max((n for n in evo.nodes if n.valid), key=lambda n: (n.score, -n.id))
        print(f"\nbest node {best.id} ({best.commit[:10]}), lineage:")
        for step in lineage(evo, best)[1:]:
            print(f"  {step.id}: {step.transformation}: {step.description}")
        report = {}
        for spec in (args.bench, args.heldout):
            for name, node in (("seed", seed), ("best", best)):
                report[(spec, name)] = evo.evaluate(node, spec, ALL_TASKS)
        print(f"\n{'benchmark':18s} {'seed':>16s} {'best':>16s} {'best/seed':>10s}")
        for spec in (args.bench, args.heldout):
            s, b = report[(spec, "seed")], report[(spec, "best")]
            s_rate = sum(r.resolved for r in s.values()) / max(1, len(s))
            b_rate = sum(r.resolved for r in b.values()) / max(1, len(b))
            ratio = f"{b_rate / s_rate:.2f}x" if s_rate else "inf"
            print(f"{spec:18s} {rate(s):>16s} {rate(b):>16s} {ratio:>10s}")
        valid = sum(n.valid for n in evo.nodes[1:])
        print(
            f"\nchildren: {len(evo.nodes) - 1} ({valid} valid); evaluations run: "
            f"{evo.evaluations}, reused for identical trees: {evo.reused}; "
            f"wall time {time.monotonic() - started:.0f}s"
        )
        print(f"archive fingerprint (seed {args.seed}): {fingerprint(evo.nodes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
