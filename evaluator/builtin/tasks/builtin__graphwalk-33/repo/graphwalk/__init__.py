"""Small graphs and breadth-first search."""

from graphwalk.graph import Graph

__all__ = ["Graph"]
