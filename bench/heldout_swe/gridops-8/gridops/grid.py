"""Rectangular grids as lists of rows."""

from __future__ import annotations


def transpose(grid: list[list[object]]) -> list[list[object]]:
    """Rows become columns."""
    if not grid:
        return []
    return [[row[c] for row in grid] for c in range(len(grid))]


def flip_rows(grid: list[list[object]]) -> list[list[object]]:
    return [list(reversed(row)) for row in grid]
