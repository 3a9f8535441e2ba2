"""Half-open intervals [start, end) over numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Interval:
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("an interval cannot end before it starts")

    def __len__(self) -> int:
        return int(self.end - self.start)


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether the two intervals share at least one point."""
    return a.start <= b.end and b.start <= a.end


def merge(intervals: list[Interval]) -> list[Interval]:
    """Union of intervals as sorted, non-overlapping intervals."""
    out: list[Interval] = []
    for item in sorted(intervals, key=lambda i: i.start):
        if out and item.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, item.end))
        else:
            out.append(item)
    return out
