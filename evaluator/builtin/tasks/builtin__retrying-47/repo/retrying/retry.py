"""Retry only errors the caller marks as transient; anything else propagates at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class RetryError(Exception):
    """Every attempt failed with a transient error; the last one is the __cause__."""


def call_with_retry(
    func: Callable[[], Any],
    attempts: int = 3,
    retry_on: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError),
    sleep: Callable[[float], None] = lambda seconds: None,
    delay: float = 0.1,
) -> Any:
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    last: BaseException | None = None
    for attempt in range(attempts):
        try:
            return func()
        except Exception as exc:
            if isinstance(exc, retry_on):
                raise
            last = exc
            if attempt + 1 < attempts:
                sleep(delay)
    raise RetryError(f"gave up after {attempts} attempts") from last
