"""Items with quantities and reorder levels."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Item:
    sku: str
    quantity: int
    reorder_level: int
    reorder_amount: int = 10

    def needs_reorder(self) -> bool:
        """An item is reordered once its stock falls to the reorder level or below."""
        return self.quantity < self.reorder_level


@dataclass
class Inventory:
    items: dict[str, Item] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        self.items[item.sku] = item

    def remove_stock(self, sku: str, amount: int) -> None:
        item = self.items[sku]
        if amount > item.quantity:
            raise ValueError(f"only {item.quantity} of {sku} in stock")
        item.quantity -= amount

    def reorder_list(self) -> dict[str, int]:
        """SKU -> amount to order, for every item that needs a reorder."""
        return {
            sku: item.reorder_amount
            for sku, item in sorted(self.items.items())
            if item.needs_reorder()
        }
