"""File-name helpers."""

from pathbits.names import extension, stem, with_extension

__all__ = ["extension", "stem", "with_extension"]
