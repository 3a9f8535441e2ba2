"""Measures of the centre of a sample."""

from __future__ import annotations


def median(values: list[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2]


def midrange(values: list[float]) -> float:
    if not values:
        raise ValueError("midrange of no values")
    return (min(values) + max(values)) / 2
