"""Colours are (r, g, b) tuples of ints in 0..255."""

from __future__ import annotations

RGB = tuple[int, int, int]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def from_hex(text: str) -> RGB:
    digits = text.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    if len(digits) != 6:
        raise ValueError(f"{text!r} is not a hex colour")
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def to_hex(rgb: RGB) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def lighten(rgb: RGB, amount: int) -> RGB:
    """Add `amount` to every channel, saturating at white."""
    r, g, b = (_clamp(0, c + amount, 255) for c in rgb)
    return (r, g, b)


def darken(rgb: RGB, amount: int) -> RGB:
    r, g, b = (_clamp(c - amount, 0, 255) for c in rgb)
    return (r, g, b)
