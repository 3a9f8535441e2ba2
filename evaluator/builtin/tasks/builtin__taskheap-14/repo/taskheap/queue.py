"""Lowest priority number first; equal priorities leave in insertion order."""

from __future__ import annotations

import heapq
import itertools
from typing import Any


class PriorityQueue:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Any]] = []
        self._counter = itertools.count()

    def push(self, item: Any, priority: int = 0) -> None:
        heapq.heappush(self._heap, (priority, next(self._counter), item))

    def pop(self) -> Any:
        if not self._heap:
            raise IndexError("pop from an empty queue")
        return heapq.heappop(self._heap)[2]

    def peek(self) -> Any:
        """The item pop() would return, without removing it."""
        if not self._heap:
            raise IndexError("peek at an empty queue")
        return self._heap[-1][2]

    def __len__(self) -> int:
        return len(self._heap)
