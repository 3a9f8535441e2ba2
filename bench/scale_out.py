"""Scale-out: the same evaluation batch on the local executor and on Ray with 1 and 2 nodes.

    .venv/bin/python bench/scale_out.py [--tasks 4] [--pings 200]

The batch: the repair seed agent on the first --tasks tasks of builtin:dev, in real docker
sandboxes, through the executors the loop uses (`godelbox.loop.executors`). Measured in this
process, in order: the local executor with 1 and with 2 worker threads (baseline: 1 thread), then
a real Ray cluster on this machine (`ray.cluster_utils.Cluster`: the same processes `ray start`
runs; one CPU, one `docker` slot and a 200 MB object store per node, no dashboard) with one
node, then with a second node added. Ray with N nodes keeps N units in flight, as the local
executor with N threads does, so both split the batch into the same units (a unit's tasks share
grading sandboxes, so the split matters as much as the place). Throughput is tasks per minute;
ratios are against the local 1-thread run. Ray's per-task scheduling overhead is the mean round
trip of an empty task with the same resource request as a unit (one at a time, so it includes
scheduling, dispatch to a warm worker and the result's return). Goal: < 50 ms per task, and
throughput that grows with nodes (on one 2-core machine the nodes share the same cores and
docker engine, so the growth seen here is a lower bound of a real multi-machine cluster's).
"""

from __future__ import annotations

import argparse
import statistics
import time

from rich.console import Console
from rich.table import Table

from godelbox.config import Config, StageSection
from godelbox.evaluator.bench_spec import load_benchmark
from godelbox.evaluator.context import context_from_config
from godelbox.evaluator.evaluation import AgentSolver
from godelbox.loop.executors import (
    DOCKER_RESOURCE,
    RAY_OBJECT_STORE_BYTES,
    Executor,
    LocalExecutor,
    RayExecutor,
)
from godelbox.paths import seed_agent_dir
from godelbox.sandbox.image import ensure_image
from godelbox.sandbox.select import backend_for

NODE_ARGS = {
    "num_cpus": 1,
    "resources": {DOCKER_RESOURCE: 1},
    "object_store_memory": RAY_OBJECT_STORE_BYTES,
}


def batch_config(image: str) -> Config:
    config = Config()
    config.sandbox.image = image
    config.evaluation.bench = "builtin:dev"
    config.evaluation.task_timeout_s = 120.0
    return config


def run_batch(executor: Executor, config: Config, tasks: int, workers: int) -> float:
    """Seconds to evaluate the first `tasks` tasks; every result must be a real outcome."""
    ctx = context_from_config(config, backend_for(config.sandbox), labels={"bench": "scale_out"})
    bench = load_benchmark(config.evaluation.bench, ctx)
    ids = [t.task_id for t in bench.tasks()]
    skipped = dict.fromkeys(ids[tasks:], False)  # only the batch runs
    agent = seed_agent_dir("repair")
    got: list[str] = []
    start = time.perf_counter()
    executor.evaluate(
        ctx,
        bench,
        AgentSolver(agent),
        agent,
        stages=[StageSection(tasks=None, min_score_to_continue=0.0)],
        workers=workers,
        done=skipped,
        on_result=lambda r: got.append(r.outcome),
    )
    elapsed = time.perf_counter() - start
    assert len(got) == tasks and "error" not in got, got
    return elapsed


def scheduling_overhead_ms(pings: int) -> tuple[float, float]:
    """(mean, p95) ms of an empty task's round trip, after a warm-up."""
    import ray

    noop = ray.remote(lambda: None).options(num_cpus=0, resources={DOCKER_RESOURCE: 1})
    ray.get([noop.remote() for _ in range(10)])
    times = []
    for _ in range(pings):
        start = time.perf_counter()
        ray.get(noop.remote())
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.mean(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--pings", type=int, default=200)
    args = parser.parse_args()
    console = Console()
    import ray
    from ray.cluster_utils import Cluster

    config = batch_config(ensure_image().tag)
    rows: list[tuple[str, float]] = []
    for workers in (1, 2):
        console.log(f"local executor, {workers} worker thread(s)")
        rows.append(
            (f"local, {workers} thread(s)", run_batch(LocalExecutor(), config, args.tasks, workers))
        )

    head = {**NODE_ARGS, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=head)
    try:
        ray.init(address=cluster.address, log_to_driver=False, logging_level="warning")
        executor = RayExecutor(config, cluster.address)
        console.log("Ray, 1 node")
        rows.append(("Ray, 1 node", run_batch(executor, config, args.tasks, workers=1)))
        overhead = scheduling_overhead_ms(args.pings)
        cluster.add_node(**NODE_ARGS)
        cluster.wait_for_nodes()
        console.log("Ray, 2 nodes")
        rows.append(("Ray, 2 nodes", run_batch(executor, config, args.tasks, workers=2)))
    finally:
        ray.shutdown()
        cluster.shutdown()

    baseline = rows[0][1]
    table = Table(title=f"{args.tasks} builtin:dev tasks, repair agent, docker sandboxes")
    for column in ("executor", "seconds", "tasks/min", "vs local 1 thread"):
        table.add_column(column, justify="left" if column == "executor" else "right")
    for name, seconds in rows:
        table.add_row(
            name, f"{seconds:.1f}", f"{60 * args.tasks / seconds:.1f}", f"{baseline / seconds:.2f}x"
        )
    console.print(table)
    mean, p95 = overhead
    verdict = "ok" if mean < 50 else "over"
    console.print(
        f"Ray scheduling overhead per task: mean {mean:.1f} ms, p95 {p95:.1f} ms "
        f"over {args.pings} empty tasks (goal < 50 ms: {verdict})"
    )


if __name__ == "__main__":
    main()
