"""Convert lengths and masses between metric and imperial units."""

from unitconv.units import convert

__all__ = ["convert"]
