"""Adjacency-set graphs, directed or not, with shortest paths by edge count."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable


class Graph:
    def __init__(self, directed: bool = False) -> None:
        self.directed = directed
        self.adj: dict[Hashable, set[Hashable]] = {}

    def add_edge(self, u: Hashable, v: Hashable) -> None:
        self.adj.setdefault(u, set()).add(v)
        self.adj.setdefault(v, set())
        if self.directed:
            self.adj[v].add(u)

    def neighbors(self, node: Hashable) -> list[Hashable]:
        return sorted(self.adj.get(node, ()), key=repr)

    def shortest_path(self, start: Hashable, goal: Hashable) -> list[Hashable] | None:
        """Fewest-edges path from start to goal, or None when goal is unreachable."""
        if start not in self.adj or goal not in self.adj:
            return None
        previous: dict[Hashable, Hashable | None] = {start: None}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            if node == goal:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return path[::-1]
            for nxt in self.neighbors(node):
                if nxt not in previous:
                    previous[nxt] = node
                    queue.append(nxt)
        return None
