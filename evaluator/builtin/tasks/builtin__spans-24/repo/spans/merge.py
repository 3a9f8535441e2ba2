"""Intervals are (start, end) tuples with start <= end; touching intervals merge."""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[int, int]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping intervals covering the same points."""
    ordered = sorted(intervals)
    merged: list[Interval] = []
    for start, end in ordered:
        if start > end:
            raise ValueError(f"invalid interval ({start}, {end})")
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return ordered


def total_length(intervals: Iterable[Interval]) -> int:
    return sum(end - start for start, end in merge(intervals))
