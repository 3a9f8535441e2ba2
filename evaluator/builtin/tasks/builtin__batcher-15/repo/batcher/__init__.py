"""Split work into fixed-size batches."""

from batcher.batches import batches, flatten

__all__ = ["batches", "flatten"]
