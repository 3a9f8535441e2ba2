"""Format amounts of money kept as integer cents."""

from moneyfmt.format import format_money, parse_money

__all__ = ["format_money", "parse_money"]
