"""A priority queue of jobs."""

from taskheap.queue import PriorityQueue

__all__ = ["PriorityQueue"]
