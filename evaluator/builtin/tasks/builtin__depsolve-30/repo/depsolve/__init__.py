"""Order packages so every package comes after its dependencies."""

from depsolve.order import CycleError, install_order

__all__ = ["CycleError", "install_order"]
