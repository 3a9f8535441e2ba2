"""A minimal publish/subscribe bus."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[[Any], None]


class Bus:
    def __init__(self) -> None:
        self.handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        if handler not in self.handlers:
            self.handlers.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self.handlers = [h for h in self.handlers if h is handler]

    def publish(self, event: Any) -> int:
        for handler in list(self.handlers):
            handler(event)
        return len(self.handlers)
