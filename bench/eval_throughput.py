"""Evaluation throughput: tasks per minute on builtin:dev, 1 worker vs 2.

By default the reference solutions are graded (one sandbox per task, running pytest: CPU-bound);
`--agent DIR` runs an agent first (e.g. agents/repair, whose search runs the tests over and
over: two sandboxes per task). Both worker counts run in this process against the same docker
engine and image, with the configured warm pool and no evaluation cache, so the ratio is
comparable. It also prints how busy the machine's CPUs were: with one worker already keeping
them busy, a second has nothing to use, and the work done per CPU-second (2 vs 1) says whether the
two contend; on a machine other jobs load, more workers also win a larger share of the CPU and
the ratio comes out too high: read it on an idle machine, and use --profile (docker API calls and
CPU seconds per task, by process) for what contends. GODELBOX_SANDBOX__WARM_POOL=0 measures
without the pool. Goal: ratio >= 1.8 on 2 cores.

    .venv/bin/python bench/eval_throughput.py [--tasks 20] [--repeat 2] [--agent DIR] [--profile]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

from engine_profile import EngineProfile

from godelbox.config import StageSection, load_config
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, evaluate_benchmark
from godelbox.sandbox.pool import PooledBackend
from godelbox.sandbox.select import backend_for, warm_up


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of every CPU of the machine since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def tasks_per_minute(ctx, bench, solver, ids: list[str], workers: int) -> tuple[float, int, float]:
    """Tasks per minute, tasks resolved, and how busy the whole machine's CPUs were (0-1):
    a ratio above 1 / busy(1 worker) is out of reach, the second worker has nothing to use."""
    busy0, total0 = cpu_ticks()
    started = time.monotonic()
    outcome = evaluate_benchmark(
        ctx, bench, solver, stages=[StageSection()], workers=workers, task_ids=ids
    )
    elapsed = time.monotonic() - started
    busy1, total1 = cpu_ticks()
    return len(ids) / elapsed * 60.0, outcome.resolved, (busy1 - busy0) / max(1, total1 - total0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", default="builtin:dev")
    parser.add_argument("--tasks", type=int, default=20, help="How many tasks per run.")
    parser.add_argument("--repeat", type=int, default=1, help="Alternating runs per setting.")
    parser.add_argument(
        "--profile", action="store_true", help="API calls and CPU seconds per task, by process."
    )
    parser.add_argument("--agent", type=Path, help="Run this agent instead of the oracle.")
    args = parser.parse_args()
    config = load_config().config
    ctx = context_from_config(
        config, backend_for(config.sandbox), labels={"run": f"bench-{os.getpid()}"}
    )
    warm_up(ctx.backend, ctx.spec())
    solver = OracleSolver() if args.agent is None else AgentSolver(args.agent.resolve())
    bench = load_benchmark(args.bench, ctx)
    ids = [t.task_id for t in bench.tasks()[: args.tasks]]
    tasks_per_minute(ctx, bench, solver, ids[:2], 2)  # warm the engine and page cache
    rates: dict[int, list[float]] = {1: [], 2: []}
    busy: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeat):
        for workers in (1, 2):
            with EngineProfile() if args.profile else contextlib.nullcontext() as profile:
                rate, resolved, used = tasks_per_minute(ctx, bench, solver, ids, workers)
            if profile is not None:
                print(f"profile, workers={workers}:\n{profile.report(len(ids))}", flush=True)
            if args.agent is None and resolved != len(ids):
                raise SystemExit(f"oracle resolved {resolved}/{len(ids)}: harness is broken")
            rates[workers].append(rate)
            busy[workers].append(used)
            print(
                f"workers={workers}: {rate:6.1f} tasks/min ({len(ids)} tasks), "
                f"CPUs {used:.0%} busy",
                flush=True,
            )
    one, two = (sum(rates[w]) / len(rates[w]) for w in (1, 2))
    busy_one, busy_two = (sum(busy[w]) / len(busy[w]) for w in (1, 2))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{args.bench} {solver.name}, {len(ids)} tasks, warm pool {config.sandbox.warm_pool}, "
        f"{os.cpu_count()} cpus, load average {load}"
    )
    if isinstance(ctx.backend, PooledBackend):
        stats = ctx.backend.stats
        print(f"warm pool: {stats.taken} sandboxes taken ready, {stats.direct} started directly")
    print(f"1 worker : {one:6.1f} tasks/min, CPUs {busy_one:.0%} busy")
    print(f"2 workers: {two:6.1f} tasks/min, CPUs {busy_two:.0%} busy")
    ceiling, per_cpu = 1 / busy_one, two / one * busy_one / busy_two
    print(f"ratio    : {two / one:.2f}  (goal >= 1.8; at most {ceiling:.2f} when one worker")
    print(f"           keeps the CPUs {busy_one:.0%} busy; work per CPU-s, 2 vs 1: {per_cpu:.2f})")


if __name__ == "__main__":
    main()
