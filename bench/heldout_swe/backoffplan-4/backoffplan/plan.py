"""Delays between retries: base, base*factor, base*factor**2, ... capped at `cap`."""

from __future__ import annotations


def backoff_delays(base: float, factor: float, retries: int, cap: float = 60.0) -> list[float]:
    """One delay per retry."""
    if retries < 0:
        raise ValueError("retries must be >= 0")
    return [min(cap, base * factor ** (n - 1)) for n in range(1, retries)]


def total_wait(base: float, factor: float, retries: int, cap: float = 60.0) -> float:
    return sum(backoff_delays(base, factor, retries, cap))
