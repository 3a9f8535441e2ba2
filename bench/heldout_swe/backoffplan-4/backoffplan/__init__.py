from backoffplan.plan import backoff_delays, total_wait

__all__ = ["backoff_delays", "total_wait"]
