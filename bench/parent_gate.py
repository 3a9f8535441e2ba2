"""What staged evaluation gated on the parent would have saved in a finished run.

    .venv/bin/python bench/parent_gate.py RUN_DIR [RUN_DIR ...] [--slices 12,16,24]

The gate: a child first runs a slice of the tasks and goes on only if it resolves at least as
many of them as its parent did. Every child in the run ran every task, so the archive already
holds what the gate would have seen: for each slice size and two ways of taking the slice from
the task ids in sorted order (the first ones, or every k-th, which mixes a mixed split's parts)
it prints how many children the gate would have stopped, how many of those had beaten their
parent on the full split (improvements lost), and the share of the children's task time it
would have saved. Nothing runs; the figures come from `evaluation` rows only, so they are a
ceiling for this run's children (a stopped child also has no descendants, which would have
changed what the run did next).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.store import Archive


@dataclass(frozen=True)
class Child:
    resolved: dict[str, bool]
    seconds: dict[str, float]
    parent_resolved: dict[str, bool]


@dataclass(frozen=True)
class GateFigures:
    stopped: int
    improvements_lost: int
    improvements: int
    time_saved: float
    """Share of the children's task seconds the stopped children would not have spent."""


def children(archive: Archive) -> list[Child]:
    """Evaluated children whose parent was evaluated on the same tasks."""
    evaluated = [n for n in archive.nodes() if n.status == NodeStatus.EVALUATED]
    rows = {n.id: archive.evaluations(n.id or 0) for n in evaluated}
    resolved = {i: {r.task_id: r.outcome == Outcome.RESOLVED for r in rs} for i, rs in rows.items()}
    out = []
    for node in evaluated:
        mine, theirs = resolved[node.id], resolved.get(node.parent_id)
        if mine and theirs is not None and mine.keys() == theirs.keys():
            seconds = {r.task_id: r.duration_s for r in rows[node.id]}
            out.append(Child(mine, seconds, theirs))
    return out


def gate(kids: Sequence[Child], slice_ids: set[str]) -> GateFigures:
    stopped = lost = improved = 0
    saved = total = 0.0
    for kid in kids:
        total += sum(kid.seconds.values())
        gain = sum(kid.resolved.values()) - sum(kid.parent_resolved.values())
        improved += gain > 0
        mine = sum(kid.resolved[t] for t in slice_ids)
        theirs = sum(kid.parent_resolved[t] for t in slice_ids)
        if mine < theirs:
            stopped += 1
            lost += gain > 0
            saved += sum(s for t, s in kid.seconds.items() if t not in slice_ids)
    return GateFigures(stopped, lost, improved, saved / total if total else 0.0)


def slices(task_ids: Sequence[str], size: int) -> dict[str, set[str]]:
    stride = max(1, len(task_ids) // size)
    return {"first": set(task_ids[:size]), "every k-th": set(task_ids[::stride][:size])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", nargs="+", type=Path)
    parser.add_argument("--slices", default="12,16,24", help="slice sizes, comma-separated")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.slices.split(",")]
    print(f"{'run':<24} {'slice':>5} {'taken':<10} {'stopped':>8} {'lost':>9} {'saved':>6}")
    for run_dir in args.run_dirs:
        with Archive.open(run_dir) as archive:
            kids = children(archive)
        order = sorted(kids[0].resolved) if kids else []
        for size in sizes:
            for taken, ids in slices(order, size).items():
                f = gate(kids, ids)
                print(
                    f"{run_dir.name:<24} {size:>5} {taken:<10} {f.stopped:>4}/{len(kids):<3} "
                    f"{f.improvements_lost:>3} of {f.improvements:<3} {f.time_saved:>6.0%}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
