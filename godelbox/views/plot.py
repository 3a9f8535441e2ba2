"""`godelbox plot RUN_DIR`: the run's progress curve and its archive tree, as PNG and SVG.

- `progress.{png,svg}`: best and mean score of the evaluated nodes after each generation (the
  DGM-style progress plot), or against the number of nodes created for runs without generations
  (asynchronous schedule).
- `tree.{png,svg}`: the archive as a layered tree (depth downwards, leaves spread left to right,
  parents centred over their children), nodes coloured by score on the same red → green scale as
  the TUI, and the lineage of the best node drawn thicker.

The layout is computed here, deterministically, instead of with a force-directed layout: the same
archive always gives the same picture, and a 10k-node tree lays out in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from godelbox.archive.graph import ArchiveGraph, NodeFacts
from godelbox.archive.models import NodeStatus
from godelbox.views.reader import ArchiveReader
from godelbox.views.records import NodeSummary
from godelbox.views.score_style import NO_SCORE_COLOUR, score_rgb

SCORE_CMAP = LinearSegmentedColormap.from_list(
    "godelbox_score", [score_rgb(x / 10) for x in range(11)]
)
FORMATS = ("png", "svg")


@dataclass(frozen=True)
class ProgressSeries:
    """Best and mean score of the archive's evaluated nodes at each point of `x`."""

    x_label: str
    x: tuple[int, ...]
    best: tuple[float, ...]
    mean: tuple[float, ...]


def progress_series(
    nodes: Sequence[NodeSummary], generations: Sequence[tuple[int, int]] = ()
) -> ProgressSeries:
    """Per finished generation (DGM's x axis) when the loop logged generations, given as
    (generation, highest node id planned up to it); otherwise per evaluated node in creation
    order (asynchronous runs have no generations). Nodes are counted once they exist."""
    scored = [
        n
        for n in sorted(nodes, key=lambda n: n.id)
        if n.status == NodeStatus.EVALUATED and n.score is not None
    ]
    if generations:
        marks = [(g, last_id) for g, last_id in generations]
        label = "generation"
    else:
        marks = [(position, n.id) for position, n in _positions(nodes, scored)]
        label = "nodes created"
    xs: list[int] = []
    best: list[float] = []
    mean: list[float] = []
    total, count, top, i = 0.0, 0, float("-inf"), 0
    for x, last_id in marks:
        while i < len(scored) and scored[i].id <= last_id:
            score = scored[i].score or 0.0
            total, count, top, i = total + score, count + 1, max(top, score), i + 1
        if count:
            xs.append(x)
            best.append(top)
            mean.append(total / count)
    return ProgressSeries(label, tuple(xs), tuple(best), tuple(mean))


def _positions(
    nodes: Sequence[NodeSummary], scored: Sequence[NodeSummary]
) -> list[tuple[int, NodeSummary]]:
    """(1-based creation position, node) for each scored node."""
    order = {n.id: position for position, n in enumerate(sorted(nodes, key=lambda n: n.id), 1)}
    return [(order[n.id], n) for n in scored]


def layered_layout(graph: ArchiveGraph) -> dict[int, tuple[float, float]]:
    """(x, y) per node: y = -depth, leaves at consecutive x in id order, parents centred."""
    pos: dict[int, tuple[float, float]] = {}
    next_leaf = 0.0
    roots = sorted(n for n in graph.g.nodes if graph.parent(n) is None)
    # Iterative post-order (deep lineages would overflow Python's recursion limit).
    stack: list[tuple[int, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, done = stack.pop()
        children = sorted(graph.g.successors(node))
        if not done and children:
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children))
            continue
        if children:
            x = sum(pos[c][0] for c in children) / len(children)
        else:
            x, next_leaf = next_leaf, next_leaf + 1.0
        pos[node] = (x, -float(graph.depth(node)))
    return pos


def build_graph(nodes: Sequence[NodeSummary]) -> ArchiveGraph:
    return ArchiveGraph.build(
        NodeFacts(id=n.id, parent_id=n.parent_id, status=NodeStatus(n.status), score=n.score)
        for n in nodes
    )


def plot_progress(series: ProgressSeries, title: str, out_base: Path) -> list[Path]:
    fig = Figure(figsize=(8, 4.5), dpi=120)
    ax = fig.add_subplot()
    if series.x:
        marker = "o" if len(series.x) <= 50 else None  # few points: show where they are
        ax.step(
            series.x,
            series.best,
            where="post",
            label="best score",
            color="#2a9d4b",
            lw=2,
            marker=marker,
            ms=4,
        )
        ax.plot(
            series.x,
            series.mean,
            label="mean score (evaluated)",
            color="#3b6fb6",
            lw=1.5,
            marker=marker,
            ms=3,
        )
    else:
        ax.text(0.5, 0.5, "no evaluated node yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(series.x_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("score (fraction of tasks resolved)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{title}: progress")
    ax.grid(alpha=0.3)
    if series.x:
        ax.legend(loc="lower right")
    return _save(fig, out_base)


def plot_tree(graph: ArchiveGraph, best_id: int | None, title: str, out_base: Path) -> list[Path]:
    pos = layered_layout(graph)
    lineage = set(graph.lineage(best_id)) if best_id is not None else set()
    width = min(40.0, max(6.0, len(pos) ** 0.5 * 1.2))
    depth = max((-y for _, y in pos.values()), default=0.0)
    fig = Figure(figsize=(width, min(30.0, max(3.0, 1.0 + depth * 0.8))), dpi=100)
    ax = fig.add_subplot()
    plain = [(pos[p], pos[c]) for p, c in graph.g.edges if not (p in lineage and c in lineage)]
    best = [(pos[p], pos[c]) for p, c in graph.g.edges if p in lineage and c in lineage]
    ax.add_collection(LineCollection(plain, colors="#9a9a9a", linewidths=0.6, zorder=1))
    ax.add_collection(LineCollection(best, colors="#d4a017", linewidths=3.0, zorder=2))
    ids = sorted(pos)
    scored = [n for n in ids if graph.g.nodes[n]["score"] is not None]
    unscored = [n for n in ids if graph.g.nodes[n]["score"] is None]
    size = max(4.0, 60.0 - len(ids) ** 0.5)
    ax.scatter(
        [pos[n][0] for n in unscored],
        [pos[n][1] for n in unscored],
        c=NO_SCORE_COLOUR,
        s=size,
        zorder=3,
        label="no score",
    )
    points = ax.scatter(
        [pos[n][0] for n in scored],
        [pos[n][1] for n in scored],
        c=[graph.g.nodes[n]["score"] for n in scored],
        cmap=SCORE_CMAP,
        vmin=0.0,
        vmax=1.0,
        s=size,
        zorder=3,
        edgecolors=["black" if n in lineage else "none" for n in scored],
    )
    if best_id is not None:
        x, y = pos[best_id]
        ax.scatter([x], [y], marker="*", s=size * 5, c="#d4a017", edgecolors="black", zorder=4)
        ax.annotate(f"best #{best_id}", (x, y), textcoords="offset points", xytext=(6, 6))
    fig.colorbar(points, ax=ax, label="score", fraction=0.03)
    ax.set_title(f"{title}: archive tree ({len(ids)} nodes; best lineage thick)")
    ax.set_ylabel("depth")
    ax.set_yticks([-d for d in range(int(depth) + 1)], [str(d) for d in range(int(depth) + 1)])
    ax.set_xticks([])
    ax.autoscale_view()
    ax.margins(0.03, 0.08)
    return _save(fig, out_base)


def write_plots(run_dir: Path, out_dir: Path | None = None) -> list[Path]:
    """Write progress and tree plots (PNG and SVG) and return their paths."""
    reader = ArchiveReader.open(run_dir)
    try:
        nodes = reader.all_summaries()
        generations = reader.generations()
        best = reader.best()
        title = reader.run_name()
    finally:
        reader.close()
    out = out_dir or run_dir / "plots"
    out.mkdir(parents=True, exist_ok=True)
    written = plot_progress(progress_series(nodes, generations), title, out / "progress")
    if nodes:
        written += plot_tree(build_graph(nodes), best.id if best else None, title, out / "tree")
    return written


def _save(fig: Figure, out_base: Path) -> list[Path]:
    # A bare Figure on an Agg canvas: no pyplot global state, no display, safe in any thread.
    FigureCanvasAgg(fig)
    fig.tight_layout()
    paths = [out_base.with_suffix(f".{fmt}") for fmt in FORMATS]
    for path in paths:
        fig.savefig(path)
    return paths
