"""Diffs between a node and its parent, read from the run's git code store.

The database records only diff sizes; the code itself lives in git, where a child's commit has
its parent's as git parent. Diffs are cached per node: they never change once committed.
"""

from __future__ import annotations

from godelbox.archive.codestore import CodeStore
from godelbox.tui.archive_reader import ArchiveReader


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
        """`git diff parent node`, or None for the seed (it has no parent)."""
        if node_id not in self._cache:
            node = self._reader.node(node_id)
            if node.parent_id is None:
                self._cache[node_id] = None
            else:
                shas = self._reader.commits([node.parent_id, node_id])
                self._cache[node_id] = self._store.diff(shas[node.parent_id], shas[node_id])
        return self._cache[node_id]
