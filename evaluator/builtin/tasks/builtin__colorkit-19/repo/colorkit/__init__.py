"""Hex colours: parse, format, lighten and darken."""

from colorkit.color import darken, from_hex, lighten, to_hex

__all__ = ["darken", "from_hex", "lighten", "to_hex"]
