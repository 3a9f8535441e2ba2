"""Simple smoothing of numeric series."""

from smoothing.series import cumulative_sum, moving_average

__all__ = ["cumulative_sum", "moving_average"]
