from intervals.core import Interval, merge, overlaps

__all__ = ["Interval", "merge", "overlaps"]
