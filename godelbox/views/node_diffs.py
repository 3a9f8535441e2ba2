"""Diffs between a node and its parent, read from the run's git code store.

The database records only diff sizes; the code itself lives in git, where a child's commit has
its parent's as git parent. Diffs are cached per node: they never change once committed.
"""

from __future__ import annotations

from godelbox.archive.codestore import CodeStore
from godelbox.views.reader import ArchiveReader


class NodeDiffs:
    def __init__(self, reader: ArchiveReader, store: CodeStore) -> None:
        self._reader = reader
        self._store = store
        self._cache: dict[int, str | None] = {}

    @classmethod
    def for_run(cls, reader: ArchiveReader) -> NodeDiffs:
        """Diffs from the code store inside the reader's run dir."""
        return cls(reader, CodeStore(reader.code_dir))

    def vs_parent(self, node_id: int) -> str | None:
        """`git diff parent node`; None for the seed (no parent) and for a child whose code is
        not committed yet (a proposed node gets its commit when the proposer is done)."""
        if node_id in self._cache:
            return self._cache[node_id]
        node = self._reader.node(node_id)
        if node.parent_id is None:
            return None
        shas = self._reader.commits([node.parent_id, node_id])
        if not (shas.get(node.parent_id) and shas.get(node_id)):
            return None  # not cached: the commit appears later
        self._cache[node_id] = self._store.diff(shas[node.parent_id], shas[node_id])
        return self._cache[node_id]
