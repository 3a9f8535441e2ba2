"""Offline evolution that generalises: the real daemon evolves the repair agent on one split, then
the seed and the best agent are measured on tasks the search was not shaped around.

    .venv/bin/python bench/offline_evolution.py --minutes 30 --seed 0 \
        --quixbugs /work/data/QuixBugs --swe bench/heldout_swe/instances.jsonl

1. `godelbox run` (a real run dir, real docker sandboxes, the offline proposer: template operators
   and code-level kinds under the proposal-kind bandit) evolves for `--minutes` of daemon time on
   `builtin:seen+mutants:seen#32` (the 8 seen bug classes plus 31 bugs injected into their fixed
   programs), every child on every task of that split; `--evolve-on SPEC` names another (such
   as `builtin:seen` alone), whose tasks are then not held out.
2. The seed and the best node (highest score on the evolution split, the oldest on ties) are then
   evaluated on every task of:
   - the `--evolve-on` split: what the search saw (its fitness);
   - `builtin:unseen`: the 4 bug classes no template was written for (UNSEEN_CLASSES);
   - `quixbugs:PATH`: QuixBugs' 40 programs, a public benchmark never shown to the search
     (clone github.com/jkoppel/QuixBugs outside this repository, pass its path);
   - `swebench:FILE`: the 16 held-out SWE-format tasks under bench/heldout_swe/, written for this
     measurement without looking at the operator catalogue.
   A split whose path is not given is left out of the table.
3. It prints the lineage of the best node (kind and change of every step), what each proposal
   kind did (children, improvements over the parent), seed vs best per split with the ratio, and
   the archive's fingerprint (equal for equal seeds: run it twice to check determinism).

The seed and best measurements run in the same process right after evolution, so the ratio is
against a baseline measured under the same conditions. Given the `--run-dir` of a run whose
budget is spent, the daemon has nothing left to do and only the measurement runs again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from godelbox.archive.models import AgentNode, NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import SelectionSection, StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import AgentSolver, evaluate_benchmark
from godelbox.evaluator.results import TaskResult
from godelbox.proposer.offline import KINDS

REPO_ROOT = Path(__file__).resolve().parents[1]
EVOLVE_ON = "builtin:seen+mutants:seen#32"
"""What the search is shaped around by default (`--evolve-on` names another spec): the seen
tasks plus one mutant of each seen program, the split of every documented run since 2ed7ba4
(docs/offline.md, "Splits"). None of it comes from a held-out split."""
ALL_TASKS = [StageSection(tasks=None, min_score_to_continue=0.0)]
RUN_CONFIG = """
[run]
seed = {seed}

[selection]
policy = "{policy}"

[evaluation]
bench = "{bench}"
workers = {workers}
task_timeout_s = {task_timeout}
{stages}

[loop]
children_per_generation = {children}
proposal_workers = {workers}
eval_workers = 1

[proposer]
offline_kinds = {kinds}

[budget]
wall_clock_s = {seconds}
{iterations}

[cache]
dir = {cache_dir}
"""
"""The run's own evaluation cache (in its run dir): it serves only what the run evaluated itself,
so a run on a machine whose cache holds another run's agents is not faster than a cold one."""


@dataclass(frozen=True)
class Measured:
    split: str
    seed: dict[str, TaskResult]
    best: dict[str, TaskResult]
    evolved: bool = False
    """The split evolution saw (not held out)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="daemon time for evolution")
    parser.add_argument("--iterations", type=int, help="also stop after this many generations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--children", type=int, default=2, help="children per generation")
    parser.add_argument("--workers", type=int, default=2, help="tasks evaluated in parallel")
    parser.add_argument(
        "--policy",
        default=SelectionSection().policy,
        help="parent selection (selection.policy; default: the daemon's): dgm, best, hgm, ...",
    )
    parser.add_argument(
        "--task-timeout",
        type=float,
        default=120.0,
        help="seconds per agent run; also caps what a child that searches forever costs",
    )
    parser.add_argument("--staged", action="store_true", help="default stages, not every task")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="offline proposal kinds (comma-separated; default: all of them)",
    )
    parser.add_argument(
        "--evolve-on",
        default=EVOLVE_ON,
        help="the benchmark spec evolution sees (e.g. a weighted mix); what it names is not "
        "held out, so do not pass the same tasks as --swe or --quixbugs",
    )
    parser.add_argument("--quixbugs", type=Path, help="a QuixBugs checkout")
    parser.add_argument("--swe", type=Path, help="a JSONL of SWE-format tasks (held out)")
    parser.add_argument("--run-dir", type=Path, help="keep the run here (default: a temp dir)")
    args = parser.parse_args(argv)

    # Held-out splits first: each row is printed as soon as it is measured, so a run cut short
    # still shows the figures that matter.
    splits = ["builtin:unseen"]
    if args.quixbugs:
        splits.append(f"quixbugs:{args.quixbugs}")
    if args.swe:
        splits.append(f"swebench:{args.swe}")
    splits.append(args.evolve_on)
    with tempfile.TemporaryDirectory(prefix="godelbox-offline-evo-") as tmp:
        run_dir = args.run_dir or Path(tmp) / "run"
        started = time.monotonic()
        evolve(run_dir, Path(tmp) / "godelbox.toml", args)
        evolution_s = time.monotonic() - started
        with Archive.open(run_dir) as archive:
            seed, best = archive.node(1), archive.best_node()
            assert best is not None, "the seed is always evaluated"
            report_lineage(archive, best)
            report_kinds(archive)
            measured = measure(archive, seed, best, splits, Path(tmp), args)
            print("\nall splits:")
            print_table(measured, best)
            fingerprint = archive_fingerprint(archive)
        print(
            f"\nevolution on {args.evolve_on}: {evolution_s / 60:.1f} min wall "
            f"(daemon budget {args.minutes:g} min; the generation running when it ran out "
            f"finishes); measurement {(time.monotonic() - started - evolution_s) / 60:.1f} min"
        )
        print(f"archive fingerprint (seed {args.seed}): {fingerprint}")
    return 0


def evolve(run_dir: Path, config_file: Path, args: argparse.Namespace) -> None:
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    stages = "" if args.staged else "\n[[evaluation.stages]]\ntasks = 1000\n"
    config_file.write_text(
        RUN_CONFIG.format(
            seed=args.seed,
            policy=args.policy,
            bench=args.evolve_on,
            workers=args.workers,
            task_timeout=args.task_timeout,
            stages=stages,
            children=args.children,
            kinds=json.dumps(kinds),
            seconds=args.minutes * 60,
            cache_dir=json.dumps(str(run_dir.resolve() / "eval-cache")),
            iterations=f"iterations = {args.iterations}" if args.iterations else "",
        ),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "godelbox", "run", str(run_dir), "--log-format", "json"]
    if not (run_dir / "godelbox.toml").exists():
        command += ["--config", str(config_file)]
    print(f"evolving on {args.evolve_on} for {args.minutes:g} min: {' '.join(command)}", flush=True)
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            show_event(line)
    if proc.returncode != 0:
        sys.exit(f"godelbox run failed with exit code {proc.returncode}")


def show_event(line: str) -> None:
    """The daemon's node-level events, one line each."""
    try:
        event = json.loads(line)
    except json.JSONDecodeError:
        return
    if event.get("kind") in {
        "seed.added",
        "child.valid",
        "child.invalid",
        "child.failed",
        "node.evaluated",
        "generation.finished",
        "run.stopped",
    }:
        print(f"  {event['kind']}: {str(event.get('message', ''))[:150]}", flush=True)


def lineage(archive: Archive, node: AgentNode) -> list[AgentNode]:
    chain = [node]
    while chain[-1].parent_id is not None:
        chain.append(archive.node(chain[-1].parent_id))
    return list(reversed(chain))


def report_lineage(archive: Archive, best: AgentNode) -> None:
    print(f"\nbest node {best.id} ({best.commit_sha[:10]}), score {best.score:.3f}; lineage:")
    for step in lineage(archive, best):
        proposal = step.proposal or {}
        if step.parent_id is None:
            print(f"  {step.id}: seed, score {step.score:.3f}")
            continue
        print(
            f"  {step.id}: [{step.proposal_kind}] {proposal.get('transformation', '')}: "
            f"{proposal.get('description', '')} -> score {step.score:.3f}"
        )


def report_kinds(archive: Archive) -> None:
    stats = archive.kind_stats(before_id=10**9)
    nodes = [n for n in archive.nodes() if n.parent_id is not None]
    print("\nproposal kinds (children that reached a final state, valid, improved on parent):")
    for kind, (children, improved) in sorted(stats.items()):
        valid = sum(
            1 for n in nodes if n.proposal_kind == kind and n.status == NodeStatus.EVALUATED
        )
        print(f"  {kind:14s} {children:3d} children, {valid:3d} valid, {improved:3d} improved")
    failed = sum(1 for n in nodes if n.status == NodeStatus.FAILED)
    if failed:
        print(f"  ({failed} proposal(s) failed before a child existed)")


def measure(
    archive: Archive,
    seed: AgentNode,
    best: AgentNode,
    splits: list[str],
    scratch: Path,
    args: argparse.Namespace,
) -> list[Measured]:
    ctx = sandbox_context(args)
    agents = {}
    for name, node in (("seed", seed), ("best", best)):
        agents[name] = scratch / f"agent-{name}"
        archive.code.checkout(node.commit_sha, agents[name])
    out = []
    for split in splits:
        bench = load_benchmark(split, ctx)
        results = {}
        for name, agent in agents.items():
            if name == "best" and best.id == seed.id:
                results[name] = results["seed"]
                continue
            print(f"measuring {name} on {split} ({len(bench.tasks())} tasks)", flush=True)
            outcome = evaluate_benchmark(
                ctx, bench, AgentSolver(agent), stages=ALL_TASKS, workers=args.workers
            )
            results[name] = dict(sorted(outcome.results.items()))
        out.append(Measured(split, results["seed"], results["best"], split == args.evolve_on))
        print_table(out[-1:], best)
    return out


def sandbox_context(args: argparse.Namespace) -> EvalContext:
    from godelbox.sandbox.docker import DockerBackend
    from godelbox.sandbox.engine import ensure_engine, require_client
    from godelbox.sandbox.image import ensure_image

    status = ensure_engine(fix=True, log=lambda _msg: None)
    if not status.ok:
        sys.exit(f"offline_evolution needs a docker engine: {status.detail}")
    return EvalContext(
        backend=DockerBackend(require_client(), sweep=False),
        image=ensure_image().tag,
        labels={"godelbox.bench": "offline-evolution"},
        task_timeout_s=args.task_timeout,
        grade_timeout_s=args.task_timeout,
    )


def rate(results: dict[str, TaskResult]) -> tuple[int, int]:
    return sum(r.resolved for r in results.values()), len(results)


def print_table(measured: list[Measured], best: AgentNode) -> None:
    print(f"\n{'split':44s} {'seed (node 1)':>15s} {f'best (node {best.id})':>15s} {'ratio':>7s}")
    for row in measured:
        (s, n), (b, _) = rate(row.seed), rate(row.best)
        ratio = f"{b / s:.2f}x" if s else ("-" if not b else "inf")
        label = row.split + (" (evolution)" if row.evolved else "")
        print(f"{label:44s} {f'{s}/{n}':>15s} {f'{b}/{n}':>15s} {ratio:>7s}")
        fixed = sorted(t for t in row.best if row.best[t].resolved and not row.seed[t].resolved)
        lost = sorted(t for t in row.best if row.seed[t].resolved and not row.best[t].resolved)
        if fixed:
            print(f"{'':6s}best resolves, seed does not: {', '.join(fixed)}")
        if lost:
            print(f"{'':6s}seed resolves, best does not: {', '.join(lost)}")


def archive_fingerprint(archive: Archive) -> str:
    rows = []
    for node in archive.nodes():
        outcomes = sorted((e.task_id, str(e.outcome)) for e in archive.evaluations(node.id or 0))
        rows.append([node.id, node.parent_id, node.commit_sha, str(node.status), outcomes])
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]


if __name__ == "__main__":
    sys.exit(main())
