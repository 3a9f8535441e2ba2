"""Human-readable durations."""

from durations.fmt import format_duration, parse_duration

__all__ = ["format_duration", "parse_duration"]
