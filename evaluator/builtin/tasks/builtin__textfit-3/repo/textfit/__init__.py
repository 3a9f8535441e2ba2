"""Fit text into fixed-width columns (CLI tables, notifications)."""

from textfit.fit import center, truncate

__all__ = ["center", "truncate"]
