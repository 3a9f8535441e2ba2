"""Call a function again when it fails with a transient error."""

from retrying.retry import RetryError, call_with_retry

__all__ = ["RetryError", "call_with_retry"]
