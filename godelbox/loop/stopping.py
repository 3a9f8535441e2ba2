"""Graceful stop on the first SIGINT/SIGTERM, immediate stop on the second.

Every state change is in the archive before it is acted on, so even the immediate stop leaves a
run that `godelbox run` resumes; it only skips waiting for in-flight sandboxes (their containers
are swept by label at the next start).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType


class StopRequest:
    def __init__(self, on_immediate: Callable[[], None] | None = None) -> None:
        self._event = threading.Event()
        self._on_immediate = on_immediate
        self.reason = ""

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def request(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def wait(self, timeout_s: float) -> bool:
        return self._event.wait(timeout_s)

    def install(self) -> None:
        """Handle SIGINT and SIGTERM in this (main) thread."""
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._event.is_set():
            if self._on_immediate is not None:
                self._on_immediate()
            os._exit(128 + signum)
        self.request(f"{name}: finishing running work; send it again to stop at once")
