"""Aider Polyglot, all tracks: the reference solutions (expect 225/225) and a no-op agent (expect
0/225), per language, with the grading time per case.

Times are also printed as a ratio to a bare sandbox start + exec in the same image, measured in
this process, so they compare across machines and loads (absolute seconds do not).

    .venv/bin/python bench/polyglot_oracle.py PATH [--tracks go,rust] [--workers 2] [--no-noop]

PATH is a checkout of the Polyglot benchmark (github.com/Aider-AI/polyglot-benchmark), e.g.
/work/data/polyglot-benchmark; the image is built first when missing (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from godelbox.config import StageSection, load_config
from godelbox.evaluator.context import context_from_config
from godelbox.evaluator.evaluation import AgentSolver, OracleSolver, Solver, evaluate_benchmark
from godelbox.evaluator.polyglot import polyglot_benchmark
from godelbox.evaluator.results import TaskResult
from godelbox.sandbox.image import POLYGLOT_RECIPE, ensure_image
from godelbox.sandbox.select import backend_for

NOOP_AGENT = Path(__file__).resolve().parents[1] / "tests" / "evaluator" / "fixtures" / "noop_agent"


def bare_start_s(ctx, image: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        with ctx.backend.start(ctx.spec(image)) as box:
            box.run(["true"], 60.0)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def run(ctx, bench, solver: Solver, workers: int) -> dict[str, TaskResult]:
    def show(result: TaskResult) -> None:
        if not result.resolved or isinstance(solver, OracleSolver):
            mark = "ok " if result.resolved else "NO "
            print(f"  {mark}{result.task_id:40s} {result.duration_s:6.1f}s {result.reason[:80]}")

    outcome = evaluate_benchmark(
        ctx, bench, solver, stages=[StageSection()], workers=workers, on_result=show
    )
    return outcome.results


def table(name: str, results: dict[str, TaskResult], baseline_s: float) -> None:
    by_lang: dict[str, list[TaskResult]] = defaultdict(list)
    for result in results.values():
        by_lang[result.task_id.split("/")[0]].append(result)
    print(f"\n{name}: per language (resolved/total, median and mean seconds per case)")
    for lang in sorted(by_lang):
        rows = by_lang[lang]
        times = [r.duration_s for r in rows]
        resolved = sum(r.resolved for r in rows)
        print(
            f"  {lang:11s} {resolved:3d}/{len(rows):<3d} median {statistics.median(times):6.1f}s"
            f"  mean {statistics.mean(times):6.1f}s  ({statistics.mean(times) / baseline_s:5.1f}x"
            " a bare sandbox)"
        )
    total = sum(r.resolved for r in results.values())
    print(f"  {'all':11s} {total:3d}/{len(results):<3d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--tracks", default="", help="Comma-separated tracks (default: all).")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-noop", action="store_true", help="Skip the no-op agent run.")
    args = parser.parse_args()
    config = load_config().config
    ctx = context_from_config(
        config, backend_for(config.sandbox), labels={"run": f"bench-{os.getpid()}"}
    )
    ctx = replace(ctx, grade_timeout_s=180.0, task_timeout_s=60.0, tries=1)
    image = ensure_image(POLYGLOT_RECIPE, progress=print).tag
    bench = polyglot_benchmark(args.path, tries=1, select=args.tracks)
    baseline = bare_start_s(ctx, image)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{bench.name}: {len(bench.tasks())} exercises, {args.workers} workers, "
          f"{os.cpu_count()} cpus, load average {load}; bare sandbox {baseline:.2f}s")  # fmt: skip
    started = time.monotonic()
    oracle = run(ctx, bench, OracleSolver(), args.workers)
    table(f"oracle ({time.monotonic() - started:.0f}s)", oracle, baseline)
    if not args.no_noop:
        started = time.monotonic()
        noop = run(ctx, bench, AgentSolver(NOOP_AGENT), args.workers)
        table(f"no-op agent ({time.monotonic() - started:.0f}s)", noop, baseline)


if __name__ == "__main__":
    main()
