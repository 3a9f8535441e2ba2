"""Boolean settings from environment variables."""

from __future__ import annotations

import os

FALSY = ("false", "0", "no", "off", "")


def parse_bool(value: str) -> bool:
    """Anything but a false-ish word is true."""
    return value.strip() not in FALSY


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else parse_bool(value)
