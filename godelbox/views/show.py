"""`godelbox show RUN_DIR [NODE]`: a static rendering for logs and terminals without interaction.

Without NODE: the archive tree from the seed, `depth` levels deep, children best first and at
most `max_children` per node (the rest summarised). With NODE: the same detail the TUI's detail
pane shows (scores per stage, proposal, diff vs parent, per-task outcomes, LLM calls, timings).
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from godelbox.views.node_detail import render_node_detail
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.node_label import node_label
from godelbox.views.reader import ArchiveReader
from godelbox.views.records import NodeSummary


def render_tree(reader: ArchiveReader, depth: int = 3, max_children: int = 50) -> RenderableType:
    seed = reader.root()
    if seed is None:
        return Text("(empty archive: no seed yet)")
    best = reader.best()
    lineage = frozenset(reader.lineage(best.id)) if best else frozenset()
    best_id = best.id if best else None

    def label(node: NodeSummary) -> Text:
        return node_label(node, node.id in lineage, node.id == best_id)

    tree = Tree(label(seed), guide_style="dim")
    frontier: list[tuple[NodeSummary, Tree]] = [(seed, tree)]
    shown, cut = 1, 0
    for _level in range(depth):
        next_frontier: list[tuple[NodeSummary, Tree]] = []
        for node, branch in frontier:
            if not node.children:
                continue
            for child in reader.children(node.id, "score", max_children):
                next_frontier.append((child, branch.add(label(child))))
            shown += min(node.children, max_children)
            cut += max(0, node.children - max_children)
            if node.children > max_children:
                branch.add(Text(f"… {node.children - max_children} more children", style="dim"))
        frontier = next_frontier
    hidden = reader.progress(best).nodes - shown
    if not hidden:
        return tree
    why = []
    if any(node.children for node, _ in frontier):
        why.append(f"deeper than {depth} (--depth {depth + 1} or more shows them)")
    if cut:
        why.append(f"{cut} siblings past the first {max_children} (--children raises that)")
    note = f"{hidden} of {hidden + shown} nodes not shown: {'; '.join(why)}"
    return Group(tree, Text(note, style="dim"))


def render_node(reader: ArchiveReader, diffs: NodeDiffs, node_id: int) -> RenderableType:
    return render_node_detail(reader.detail(node_id), diffs.vs_parent(node_id))
