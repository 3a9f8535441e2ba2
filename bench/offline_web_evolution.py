"""Offline web evolution: the rule agent evolved on the MiniWoB++ train split, judged on test.

`godelbox run` (the real daemon, offline: agents/webrules evolved by proposer/web_operators,
real browser and agent sandboxes) evolves on `miniwob:train` (62 tasks, `--train-repeats`
episodes each) until its wall-clock budget (`--minutes`) ends it. Then the seed and the best
node are both played on every task of `miniwob:test` (63 tasks the search never saw, the other
half of the fixed split in evaluator/web/tasks.py) with `--test-repeats` seeds each
(BrowserGym's 5 by default), in this process, and their success rates printed with the ratio
best/seed (goal: >= 2 on test).

    .venv/bin/python bench/offline_web_evolution.py --minutes 20 --seed 0
    (on a busy host add --cpu-shares 65536: see bench/web_throughput.py)

Needs the engine and the web image (`godelbox sandbox build --web`). Prints the run's events,
the best lineage (each transformation), train and test rates, and the elapsed time of each
phase. `--keep DIR` keeps the run dir (then `godelbox tui DIR`, `godelbox show DIR --depth 3`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import Config, StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.evaluator.evaluation import AgentSolver, evaluate_benchmark

RUN_CONFIG = """
[run]
seed = {seed}

[evaluation]
bench = "miniwob:train"
workers = {workers}

[[evaluation.stages]]
min_score_to_continue = 0.0

[web]
repeats = {train_repeats}
episode_timeout_s = 30.0

[sandbox]
cpu_shares = {cpu_shares}

[selection]
policy = "{policy}"

[loop]
children_per_generation = {children}

[budget]
wall_clock_s = {wall_clock_s}
"""


def evolve(run_dir: Path, args: argparse.Namespace) -> float:
    config = run_dir.parent / f"{run_dir.name}.toml"
    config.write_text(
        RUN_CONFIG.format(
            seed=args.seed,
            workers=args.workers,
            train_repeats=args.train_repeats,
            policy=args.policy,
            children=args.children,
            wall_clock_s=args.minutes * 60,
            cpu_shares=args.cpu_shares,
        )
    )
    started = time.monotonic()
    command = [sys.executable, "-m", "godelbox", "run", str(run_dir), "--config", str(config)]
    proc = subprocess.run(command, check=False)
    if proc.returncode != 0:
        sys.exit(f"godelbox run failed with exit code {proc.returncode}")
    return time.monotonic() - started


def test_rate(run_dir: Path, node_id: int, args: argparse.Namespace) -> tuple[int, int]:
    """(episodes rewarded, episodes played) of a node's code on the whole test split."""
    from godelbox.sandbox.select import backend_for

    config = Config.model_validate(
        {
            "web": {"repeats": args.test_repeats, "episode_timeout_s": 30.0},
            "sandbox": {"cpu_shares": args.cpu_shares},
        }
    )
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"bench": "web-test"})
    bench = load_benchmark("miniwob:test", ctx)
    with Archive.open(run_dir) as archive, tempfile.TemporaryDirectory() as tmp:
        agent = Path(tmp) / "agent"
        archive.code.checkout(archive.node(node_id).commit_sha, agent)
        outcome = evaluate_benchmark(
            ctx,
            bench,
            AgentSolver(agent),
            stages=[StageSection(tasks=None)],
            workers=args.workers,
        )
    return outcome.resolved, outcome.evaluated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="evolution wall clock")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--policy", choices=["best", "dgm"], default="best")
    parser.add_argument("--children", type=int, default=2, help="children per generation")
    parser.add_argument("--workers", type=int, default=1, help="web sessions in parallel")
    parser.add_argument("--train-repeats", type=int, default=1)
    parser.add_argument("--test-repeats", type=int, default=5)
    parser.add_argument(
        "--cpu-shares",
        type=int,
        default=0,
        help="docker CPU weight of the sandboxes (sandbox.cpu_shares): raise it on a busy "
        "cgroup-v1 host, where a container weighs like one host process",
    )
    parser.add_argument("--keep", type=Path, help="keep the run in this directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="godelbox-webevo-") as tmp:
        run_dir = args.keep or Path(tmp) / "run"
        evolve_s = evolve(run_dir, args)
        with Archive.open(run_dir) as archive:
            nodes = archive.nodes()
            seed, best = nodes[0], archive.best_node()
            assert best is not None
            lineage = []
            node = best
            while node.parent_id is not None:
                lineage.append(node)
                node = archive.node(node.parent_id)
            valid = sum(1 for n in nodes if n.status == NodeStatus.EVALUATED)
        print(f"\nevolution on miniwob:train: {len(nodes) - 1} children ({valid - 1} evaluated) "
              f"in {evolve_s / 60:.1f} min")  # fmt: skip
        print(f"best: node {best.id}, train score {best.score:.3f} (seed {seed.score:.3f})")
        for step in reversed(lineage):
            print(f"  node {step.id}: {(step.proposal or {}).get('description', '')}")
        started = time.monotonic()
        rates = {
            name: test_rate(run_dir, n.id or 0, args)
            for name, n in (("seed", seed), ("best", best))
        }
        test_s = time.monotonic() - started
    (s_ok, s_n), (b_ok, b_n) = rates["seed"], rates["best"]
    s_rate, b_rate = s_ok / s_n, b_ok / b_n
    ratio = b_rate / s_rate if s_rate else float("inf")
    print(f"\n{'split':<16} {'seed':>16} {'best':>16} {'best/seed':>10}")
    print(f"{'miniwob:train':<16} {seed.score:>16.3f} {best.score:>16.3f} "
          f"{best.score / seed.score if seed.score else float('inf'):>9.2f}x")  # fmt: skip
    print(f"{'miniwob:test':<16} {f'{s_ok}/{s_n} = {s_rate:.3f}':>16} "
          f"{f'{b_ok}/{b_n} = {b_rate:.3f}':>16} {ratio:>9.2f}x")  # fmt: skip
    print(f"test split: {args.test_repeats} seeds per task; evaluated in {test_s / 60:.1f} min")
    print(f"goal best >= 2x seed on test: {'met' if ratio >= 2 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
