"""The archive as a lazily expanded Textual tree (root = seed agent).

A node's children are queried only when the node is first expanded, one page at a time (a
"… N more" entry loads the next page), so opening a 100k-node archive costs one page of the
seed's children. Live refresh patches the tree in place: new nodes are inserted under parents that
are already loaded, changed nodes get a new label; nothing is reloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from godelbox.views.node_filter import NodeFilter
from godelbox.views.node_label import node_label
from godelbox.views.reader import ArchiveReader, ChildOrder
from godelbox.views.records import NodeSummary

PAGE_SIZE = 200


@dataclass(frozen=True)
class MoreEntry:
    """Placeholder for children not loaded yet: selecting it loads the next page."""

    parent_id: int
    offset: int


Entry = NodeSummary | MoreEntry


class ArchiveTree(Tree[Entry]):
    """Tree of archive nodes. `order` sorts siblings by score (best first) or by id."""

    def __init__(self, reader: ArchiveReader, **kwargs: object) -> None:
        super().__init__("archive", **kwargs)  # type: ignore[arg-type]
        self.reader = reader
        self.order: ChildOrder = "score"
        self.best: NodeSummary | None = None
        self.best_id: int | None = None
        self.best_lineage: frozenset[int] = frozenset()
        self.filter: NodeFilter = NodeFilter()
        self._by_id: dict[int, TreeNode[Entry]] = {}
        self._loaded: set[int] = set()
        self.show_root = False
        self.guide_depth = 3

    # --- building ----------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Start over from the seed (on open, on a sort change, when a filter is cleared)."""
        self.clear()
        self._by_id.clear()
        self._loaded.clear()
        self._set_best()
        if not self.filter.is_empty:
            self._build_filtered()
            return
        seed = self.reader.root()
        if seed is None:
            self.root.add_leaf(Text("(empty archive: no seed yet)", style="dim"))
            return
        seed_node = self._add(self.root, seed)
        seed_node.expand()
        self._load_children(seed_node, seed.id, 0)
        self.call_after_refresh(self.move_cursor, seed_node)

    def _build_filtered(self) -> None:
        """Matching nodes with their ancestors (dimmed when they do not match), all expanded."""
        matches = self.reader.matching(self.filter)
        shown = {n.id: n for n in self.reader.with_ancestors([m.id for m in matches])}
        matched = {m.id for m in matches}
        for node in sorted(shown.values(), key=lambda n: n.id):
            parent = self._by_id.get(node.parent_id) if node.parent_id is not None else None
            tree_node = self._add(parent or self.root, node, dim=node.id not in matched)
            tree_node.expand()
            if parent is not None:
                parent.allow_expand = True
        if matches:
            self.call_after_refresh(self.move_cursor, self._by_id[matches[0].id])
        if not matches:
            self.root.add_leaf(
                Text(f"no node matches the filter ({self.filter.describe()})", style="dim")
            )

    def _add(
        self,
        parent: TreeNode[Entry],
        node: NodeSummary,
        dim: bool = False,
        before: int | None = None,
    ) -> TreeNode[Entry]:
        label = self._label(node)
        if dim:
            label.stylize("dim")
        tree_node = parent.add(
            label,
            data=node,
            before=before,
            allow_expand=node.children > 0 or not self.filter.is_empty,
        )
        self._by_id[node.id] = tree_node
        return tree_node

    def _label(self, node: NodeSummary) -> Text:
        return node_label(node, node.id in self.best_lineage, node.id == self.best_id)

    def _load_children(self, tree_node: TreeNode[Entry], parent_id: int, offset: int) -> None:
        page = self.reader.children(parent_id, self.order, PAGE_SIZE, offset)
        for child in page:
            if child.id not in self._by_id:
                self._add(tree_node, child)
        self._loaded.add(parent_id)
        total = self.reader.child_count(parent_id)
        shown = offset + len(page)
        if shown < total:
            tree_node.add_leaf(
                Text(f"… {total - shown} more (enter to load)", style="italic dim"),
                data=MoreEntry(parent_id, shown),
            )

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Entry]) -> None:
        data = event.node.data
        if isinstance(data, NodeSummary) and data.id not in self._loaded and self.filter.is_empty:
            self._load_children(event.node, data.id, 0)

    def on_tree_node_selected(self, event: Tree.NodeSelected[Entry]) -> None:
        data = event.node.data
        if isinstance(data, MoreEntry) and event.node.parent is not None:
            parent = event.node.parent
            event.node.remove()
            self._load_children(parent, data.parent_id, data.offset)

    # --- navigation ----------------------------------------------------------------------------

    def reveal(self, node_id: int) -> TreeNode[Entry] | None:
        """Load and expand the path to `node_id` and put the cursor on it. A lineage child
        beyond the loaded page of its siblings is pinned at the top of them."""
        chain = self.reader.lineage(node_id)
        for ancestor, child_id in pairwise(chain):
            tree_node = self._by_id.get(ancestor)
            if tree_node is None:
                return None
            if self.filter.is_empty:
                if ancestor not in self._loaded:
                    self._load_children(tree_node, ancestor, 0)
                if child_id not in self._by_id:
                    self._add(tree_node, self.reader.node(child_id), before=0)
            tree_node.expand()
        target = self._by_id.get(node_id)
        if target is not None:
            # Line numbers exist only once the tree has laid out the expanded nodes.
            self.call_after_refresh(self.move_cursor, target)
        return target

    def node_for(self, node_id: int) -> TreeNode[Entry] | None:
        return self._by_id.get(node_id)

    # --- live refresh --------------------------------------------------------------------------

    def apply_new(self, node: NodeSummary) -> None:
        """A node created by the writer since the last refresh."""
        if not self.filter.is_empty or node.id in self._by_id:
            return
        if node.parent_id is None:
            if self.reader.root() is not None and not self._by_id:
                self.rebuild()
            return
        parent = self._by_id.get(node.parent_id)
        if parent is None or not isinstance(parent.data, NodeSummary):
            return
        parent_summary = replace(parent.data, children=self.reader.child_count(node.parent_id))
        self._relabel(parent, parent_summary)
        parent.allow_expand = True
        if node.parent_id in self._loaded:
            self._add(parent, node, before=self._insert_index(parent, node))

    def unfinished_ids(self) -> list[int]:
        """Shown nodes that may still change (proposed or being evaluated)."""
        return [
            node_id
            for node_id, tree_node in self._by_id.items()
            if isinstance(tree_node.data, NodeSummary)
            and tree_node.data.status in ("proposed", "evaluating")
        ]

    def apply_update(self, node: NodeSummary) -> None:
        tree_node = self._by_id.get(node.id)
        if tree_node is not None:
            self._relabel(tree_node, node)

    def known(self, ids: list[int]) -> dict[int, NodeSummary]:
        """What the tree currently shows for `ids` (to tell real changes from re-reads)."""
        out: dict[int, NodeSummary] = {}
        for node_id in ids:
            tree_node = self._by_id.get(node_id)
            if tree_node is not None and isinstance(tree_node.data, NodeSummary):
                out[node_id] = tree_node.data
        return out

    def set_best(self, best: NodeSummary | None, lineage: list[int]) -> None:
        """Re-mark the best node and its lineage (looked up by the caller, off the UI thread)."""
        old = self.best_lineage | ({self.best_id} if self.best_id is not None else set())
        self.best = best
        self.best_id = best.id if best else None
        self.best_lineage = frozenset(lineage)
        new = self.best_lineage | ({self.best_id} if self.best_id is not None else set())
        for node_id in old | new:
            tree_node = self._by_id.get(node_id)
            if tree_node is not None and isinstance(tree_node.data, NodeSummary):
                self._relabel(tree_node, tree_node.data)

    def _set_best(self) -> None:
        best = self.reader.best()
        self.best = best
        self.best_id = best.id if best else None
        self.best_lineage = frozenset(self.reader.lineage(best.id)) if best else frozenset()

    def _relabel(self, tree_node: TreeNode[Entry], node: NodeSummary) -> None:
        tree_node.data = node
        tree_node.set_label(self._label(node))

    def _insert_index(self, parent: TreeNode[Entry], node: NodeSummary) -> int | None:
        """Where a new child goes among loaded siblings, keeping the current order."""
        for index, sibling in enumerate(parent.children):
            data = sibling.data
            if isinstance(data, MoreEntry):
                return index
            if isinstance(data, NodeSummary) and _sorts_before(node, data, self.order):
                return index
        return None


def _sorts_before(a: NodeSummary, b: NodeSummary, order: ChildOrder) -> bool:
    if order == "id":
        return a.id < b.id
    key_a = (a.score is None, -(a.score or 0.0), a.id)
    key_b = (b.score is None, -(b.score or 0.0), b.id)
    return key_a < key_b
