"""How the archive scales: one parent selection and one child insert at 1k, 10k and 100k nodes.

    .venv/bin/python bench/archive_scale.py [--sizes 1000 10000 100000] [--reps 40]

Each archive is a real run dir (SQLite in WAL mode) filled by bulk insert with a random tree
(each node's parent drawn uniformly from the earlier ones; 70 % evaluated with per-node task
counters, the rest invalid or failed). Then, through the public `Archive` API, it times opening
the graph view once, a parent selection (`select_parents`, n=1) per policy, and a child insert
(`add_node`, which also updates the live graph). Times are medians over --reps; ratios are
against the smallest size measured in this process. Goal: selection + insert < 50 ms at 100k.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from godelbox.archive.models import AgentNode, NodeStatus
from godelbox.archive.selection import POLICIES
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml

CHUNK = 5_000
CREATED = datetime.now(UTC)


def build(run_dir: Path, size: int, rng: random.Random, progress: Progress) -> Archive:
    """A run dir whose archive holds `size` nodes, written in bulk (one transaction per chunk)."""
    archive = Archive.create(run_dir, dump_toml(Config()))
    task = progress.add_task(f"building {size:,} nodes", total=size)
    table = AgentNode.__table__
    for start in range(1, size + 1, CHUNK):
        rows = [_row(node_id, rng) for node_id in range(start, min(start + CHUNK, size + 1))]
        with archive.engine.begin() as conn:
            conn.execute(table.insert(), rows)
        progress.advance(task, len(rows))
    return archive


def _row(node_id: int, rng: random.Random) -> dict[str, object]:
    roll = rng.random()
    status = NodeStatus.EVALUATED if roll < 0.7 else NodeStatus.INVALID if roll < 0.9 else "failed"
    attempted = rng.randint(5, 60) if status == NodeStatus.EVALUATED else 0
    resolved = rng.randint(0, attempted)
    return {
        "id": node_id,
        "parent_id": None if node_id == 1 else rng.randint(1, node_id - 1),
        "commit_sha": f"{node_id:040x}",
        "status": NodeStatus(status),
        "created_at": CREATED,
        "agent_kind": "bench",
        "score": resolved / attempted if attempted else None,
        "tasks_resolved": resolved,
        "tasks_attempted": attempted,
    }


def median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(archive: Archive, reps: int, rng: random.Random) -> dict[str, float]:
    start = time.perf_counter()
    archive.graph()
    out = {"graph build s": time.perf_counter() - start}
    for name in POLICIES:
        out[f"select {name} ms"] = median_ms(lambda n=name: archive.select_parents(rng, 1, n), reps)
    out["insert ms"] = (
        median_ms(
            lambda: archive.add_node(
                parent_id=archive.select_parents(rng, 1, "random")[0], commit_sha="f" * 40
            ),
            reps,
        )
        - out["select random ms"]
    )
    out["select dgm + insert ms"] = out["select dgm ms"] + out["insert ms"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="godelbox-bench-") as tmp, Progress() as progress:
        for size in args.sizes:
            with build(Path(tmp) / f"run-{size}", size, rng, progress) as archive:
                results[size] = measure(archive, args.reps, rng)
    report(results)


def report(results: dict[int, dict[str, float]]) -> None:
    base = results[min(results)]
    table = Table(title="archive scale (medians; ratio vs the smallest size)")
    table.add_column("metric")
    for size in results:
        table.add_column(f"{size:,} nodes", justify="right")
    for metric in base:
        cells = []
        for size in results:
            value = results[size][metric]
            ratio = value / base[metric] if base[metric] > 0 else float("nan")
            cells.append(f"{value:.2f} (x{ratio:.1f})")
        table.add_row(metric, *cells)
    Console().print(table)
    largest = max(results)
    total = results[largest]["select dgm + insert ms"]
    verdict = "meets" if total < 50 else "MISSES"
    Console().print(
        f"select (dgm) + insert at {largest:,} nodes: {total:.1f} ms ({verdict} the < 50 ms goal)"
    )


if __name__ == "__main__":
    main()
