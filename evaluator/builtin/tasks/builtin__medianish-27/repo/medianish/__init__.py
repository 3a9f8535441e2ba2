"""Robust statistics: median and percentiles."""

from medianish.robust import median, percentile

__all__ = ["median", "percentile"]
