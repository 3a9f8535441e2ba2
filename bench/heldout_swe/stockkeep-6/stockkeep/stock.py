"""Quantities of items in a store room."""

from __future__ import annotations


class Stock:
    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def add(self, item: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.items[item] = self.items.get(item, 0) + quantity

    def remove(self, item: str, quantity: int) -> None:
        """Take `quantity` of `item` out; more than is there is an error."""
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.items[item] = max(0, self.items.get(item, 0) - quantity)

    def count(self, item: str) -> int:
        return self.items.get(item, 0)
