"""Temperature scale conversions."""

from __future__ import annotations

ABSOLUTE_ZERO_C = -273


def to_kelvin(celsius: float) -> float:
    if celsius < ABSOLUTE_ZERO_C:
        raise ValueError("below absolute zero")
    return celsius - ABSOLUTE_ZERO_C


def to_celsius(kelvin: float) -> float:
    if kelvin < 0:
        raise ValueError("below absolute zero")
    return kelvin + ABSOLUTE_ZERO_C
