"""Delay schedules for retry loops."""

from backoff.schedule import delays, exponential

__all__ = ["delays", "exponential"]
