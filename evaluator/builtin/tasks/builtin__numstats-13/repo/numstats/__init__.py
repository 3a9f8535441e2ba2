"""Descriptive statistics for small samples."""

from numstats.describe import describe, mean, variance

__all__ = ["describe", "mean", "variance"]
