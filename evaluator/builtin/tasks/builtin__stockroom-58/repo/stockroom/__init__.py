"""Track stock levels and decide what to reorder."""

from stockroom.inventory import Inventory, Item

__all__ = ["Inventory", "Item"]
