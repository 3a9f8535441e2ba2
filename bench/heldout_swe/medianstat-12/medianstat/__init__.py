from medianstat.center import median, midrange

__all__ = ["median", "midrange"]
