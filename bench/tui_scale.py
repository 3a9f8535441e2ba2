"""How the archive TUI scales: time to open and to render the first screen at 1k, 10k, 100k nodes.

Each archive is created with the real `Archive` API (schema, config snapshot, git code store, a
real seed commit and a few real child commits), then filled with a bulk insert of nodes,
evaluations, LLM calls and events into the real tables, so building 100k nodes takes seconds,
not hours. Nodes beyond the real commits reuse those commits' shas; the TUI reads a diff only for
the node under the cursor. The tree is DGM-shaped: one node in ten is a child of the seed (a
10k-child seed at 100k nodes exercises paging), the others hang off a recent node.

Measured, per size, in one process (ratios are against the 1k archive of the same run):
- open: `ArchiveReader.open` + building the first tree level (what happens before drawing);
- first screen: from starting the Textual app to a fully composed first screen (header, tree,
  the seed's detail pane with its diff), headless at 160x50;
- refresh: one live-refresh pass after another writer added a node (its queries run in a
  worker thread, so this is latency until the node shows, not time the keyboard is blocked);
- jump to best: `b` on a fresh screen (loads and expands the best node's lineage).
Goal: first screen < 2 s at 100k nodes.

Run: .venv/bin/python bench/tui_scale.py [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert

from godelbox.archive.events import NODE_ADDED, NODE_STATUS
from godelbox.archive.models import AgentNode, Evaluation, Event, LLMCall, NodeStatus, utcnow
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.tui.app import ArchiveApp
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.reader import ArchiveReader

TASKS = [f"task-{i:02d}" for i in range(10)]
REAL_COMMITS = 16
BATCH = 20_000


@dataclass(frozen=True)
class Timings:
    nodes: int
    build_s: float
    open_s: float
    first_screen_s: float
    refresh_s: float
    jump_best_s: float


def build(run_dir: Path, n_nodes: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    config = Config()
    config.run.name = f"bench-{n_nodes}"
    with Archive.create(run_dir, dump_toml(config)) as archive, tempfile.TemporaryDirectory() as t:
        src = Path(t)
        (src / "agent.py").write_text("PARAMS = [0]\n", encoding="utf-8")
        shas = [archive.code.add_root(src)]
        for i in range(1, REAL_COMMITS):
            (src / "agent.py").write_text(f"PARAMS = [{i}]\n", encoding="utf-8")
            shas.append(archive.code.add_child(shas[-1], src))
        nodes, evals, calls, events = [], [], [], []
        now = utcnow()
        for node_id in range(1, n_nodes + 1):
            if node_id == 1:
                parent = None
            elif rng.random() < 0.1:
                parent = 1
            else:
                parent = rng.randrange(max(1, node_id - 2000), node_id)
            invalid = node_id > 1 and rng.random() < 0.1
            resolved = [rng.random() < 0.5 for _ in TASKS[:3]]
            score = None if invalid else sum(resolved) / len(resolved)
            nodes.append(
                {
                    "id": node_id,
                    "parent_id": parent,
                    "commit_sha": shas[node_id % REAL_COMMITS],
                    "status": NodeStatus.INVALID if invalid else NodeStatus.EVALUATED,
                    "agent_kind": "bench",
                    "created_at": now,
                    "finished_at": now,
                    "proposal": {"diagnosis": f"bench node {node_id}", "operator": "tune"},
                    "score": score,
                    "tasks_resolved": sum(resolved) if not invalid else 0,
                    "tasks_attempted": 0 if invalid else len(resolved),
                    "stage_reached": 0,
                    "files_changed": 1,
                    "insertions": 1,
                    "deletions": 1,
                }
            )
            events.append({"kind": NODE_ADDED, "node_id": node_id, "time": now})
            events.append({"kind": NODE_STATUS, "node_id": node_id, "time": now})
            calls += [
                {
                    "node_id": node_id,
                    "role": role,
                    "model": "bench/model",
                    "tokens_in": 1000,
                    "tokens_out": 200,
                    "cost_usd": 0.001,
                    "latency_s": 1.0,
                    "created_at": now,
                }
                for role in ("diagnose", "implement")
            ]
            if not invalid:
                evals += [
                    {
                        "node_id": node_id,
                        "stage": 0,
                        "task_id": task,
                        "created_at": now,
                        "outcome": "resolved" if ok else "unresolved",
                        "score": float(ok),
                        "duration_s": 2.0,
                    }
                    for task, ok in zip(TASKS, resolved, strict=False)
                ]
        with archive.engine.begin() as conn:
            for table, rows in (
                (AgentNode.__table__, nodes),
                (Evaluation.__table__, evals),
                (LLMCall.__table__, calls),
                (Event.__table__, events),
            ):
                for start in range(0, len(rows), BATCH):
                    conn.execute(insert(table), rows[start : start + BATCH])


def add_one_node(run_dir: Path) -> None:
    """What a daemon does between two refreshes: one new child of the seed."""
    with Archive.open(run_dir) as archive:
        archive.add_node(parent_id=1, commit_sha=archive.node(1).commit_sha, agent_kind="bench")


async def measure_app(run_dir: Path) -> tuple[float, float, float, float]:
    start = time.perf_counter()
    reader = ArchiveReader.open(run_dir)
    app = ArchiveApp(reader, NodeDiffs.for_run(reader), refresh_s=0)
    open_s = 0.0
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        open_s = time.perf_counter() - start  # mounted: tree built, header and detail queried
        app.export_screenshot()  # forces a full composition of every widget on screen
        first_screen_s = time.perf_counter() - start
        add_one_node(run_dir)
        t0 = time.perf_counter()
        app.action_refresh_archive()  # runs in a worker thread: wait for it to land
        await app.workers.wait_for_complete()
        await pilot.pause()
        refresh_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        await pilot.press("b")
        await pilot.pause()
        jump_s = time.perf_counter() - t0
    reader.close()
    return open_s, first_screen_s, refresh_s, jump_s


def run(sizes: list[int]) -> list[Timings]:
    results = []
    with tempfile.TemporaryDirectory(prefix="godelbox-tui-bench-") as tmp:
        for n in sizes:
            run_dir = Path(tmp) / f"run-{n}"
            t0 = time.perf_counter()
            build(run_dir, n)
            build_s = time.perf_counter() - t0
            open_s, first_s, refresh_s, jump_s = asyncio.run(measure_app(run_dir))
            results.append(Timings(n, build_s, open_s, first_s, refresh_s, jump_s))
            print(
                f"{n:>7} nodes: built in {build_s:5.1f}s; open {open_s:.3f}s, "
                f"first screen {first_s:.3f}s, refresh {refresh_s * 1000:.0f}ms, "
                f"jump to best {jump_s * 1000:.0f}ms",
                flush=True,
            )
    return results


def report(results: list[Timings]) -> None:
    base = results[0]
    print()
    print(
        f"{'nodes':>7}  {'open s':>7}  {'x1k':>5}  {'screen s':>8}  {'x1k':>5}  "
        f"{'refresh ms':>10}  {'x1k':>5}  {'best ms':>7}  {'x1k':>5}"
    )
    for r in results:
        print(
            f"{r.nodes:>7}  {r.open_s:7.3f}  {r.open_s / base.open_s:5.2f}  "
            f"{r.first_screen_s:8.3f}  {r.first_screen_s / base.first_screen_s:5.2f}  "
            f"{r.refresh_s * 1000:10.1f}  {r.refresh_s / base.refresh_s:5.2f}  "
            f"{r.jump_best_s * 1000:7.1f}  {r.jump_best_s / base.jump_best_s:5.2f}"
        )
    largest = results[-1]
    verdict = "met" if largest.first_screen_s < 2.0 else "MISSED"
    print(
        f"\ngoal first screen < 2 s at {largest.nodes} nodes: {verdict} "
        f"({largest.first_screen_s:.3f}s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    report(run(sizes))


if __name__ == "__main__":
    main()
