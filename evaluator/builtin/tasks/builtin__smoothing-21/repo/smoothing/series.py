"""Windowed statistics over lists of numbers."""

from __future__ import annotations

from collections.abc import Sequence


def moving_average(values: Sequence[float], window: int) -> list[float]:
    """Mean of every full window of `window` consecutive values, in order."""
    if window <= 0:
        raise ValueError("window must be positive")
    if window > len(values):
        return []
    total = sum(values[:window])
    averages = [total / window]
    for i in range(window, len(values) - 1):
        total += values[i] - values[i - window]
        averages.append(total / window)
    return averages


def cumulative_sum(values: Sequence[float]) -> list[float]:
    out: list[float] = []
    running = 0.0
    for value in values:
        running += value
        out.append(running)
    return out
