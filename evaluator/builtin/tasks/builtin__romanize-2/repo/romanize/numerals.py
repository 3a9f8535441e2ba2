"""Standard subtractive notation, 1..3999."""

from __future__ import annotations

SYMBOLS = [
    ("M", 1000),
    ("CM", 900),
    ("D", 500),
    ("CD", 400),
    ("C", 100),
    ("XC", 80),
    ("L", 50),
    ("XL", 40),
    ("X", 10),
    ("IX", 9),
    ("V", 5),
    ("IV", 4),
    ("I", 1),
]


def to_roman(number: int) -> str:
    if not 0 < number < 4000:
        raise ValueError(f"{number} cannot be written in roman numerals")
    out = []
    for symbol, value in SYMBOLS:
        count, number = divmod(number, value)
        out.append(symbol * count)
    return "".join(out)


def from_roman(text: str) -> int:
    """Parse a numeral; anything that does not round-trip is rejected."""
    total, i = 0, 0
    upper = text.upper()
    for symbol, value in SYMBOLS:
        while upper.startswith(symbol, i):
            total += value
            i += len(symbol)
    if i != len(upper) or not 0 < total < 4000 or to_roman(total) != upper:
        raise ValueError(f"{text!r} is not a roman numeral")
    return total
