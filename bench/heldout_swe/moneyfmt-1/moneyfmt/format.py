"""Amounts are integer cents; text is "$1,234.50" style."""

from __future__ import annotations


def format_money(cents: int, symbol: str = "$") -> str:
    """Cents as text with a thousands separator and two decimals."""
    units, rest = divmod(cents, 100)
    return f"{symbol}{units:,}.{rest:02d}"


def parse_money(text: str) -> int:
    """The inverse of format_money for well-formed input."""
    text = text.strip()
    negative = text.startswith("-")
    digits = text.lstrip("-").lstrip("$").replace(",", "")
    units, _, rest = digits.partition(".")
    cents = int(units or "0") * 100 + int((rest + "00")[:2])
    return -cents if negative else cents
