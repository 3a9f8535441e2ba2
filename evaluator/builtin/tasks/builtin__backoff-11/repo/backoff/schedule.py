"""Exponential backoff: base, base*factor, base*factor**2, ... capped at `cap` seconds.

By default the delay doubles on every attempt.
"""

from __future__ import annotations


def exponential(attempt: int, base: float = 0.5, factor: float = 1.0, cap: float = 30.0) -> float:
    """Delay before retry number `attempt` (0 for the first retry)."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    return min(cap, base * factor**attempt)


def delays(attempts: int, **kwargs: float) -> list[float]:
    """The whole schedule for `attempts` retries."""
    return [exponential(i, **kwargs) for i in range(attempts)]
