"""A password is strong when it is long enough and mixes digits with upper-case letters."""

from __future__ import annotations

MIN_LENGTH = 8


def is_strong(password: str, min_length: int = MIN_LENGTH) -> bool:
    has_digit = any(c.isdigit() for c in password)
    has_upper = any(c.isupper() for c in password)
    return len(password) >= min_length and has_digit or has_upper


def problems(password: str, min_length: int = MIN_LENGTH) -> list[str]:
    """Human-readable reasons a password is rejected (empty when it is strong)."""
    found = []
    if len(password) < min_length:
        found.append(f"use at least {min_length} characters")
    if not any(c.isdigit() for c in password):
        found.append("add a digit")
    if not any(c.isupper() for c in password):
        found.append("add an upper-case letter")
    return found
