"""'1h 2m 3s' style durations; zero is written '0s'."""

from __future__ import annotations

import re

UNITS = (("h", 3600), ("m", 60), ("s", 1))
TOKEN = re.compile(r"(\d+)([hms])")


def format_duration(seconds: int) -> str:
    if seconds < 0:
        raise ValueError("durations cannot be negative")
    parts = []
    for suffix, size in UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{suffix}")
    return " ".join(parts)


def parse_duration(text: str) -> int:
    compact = text.replace(" ", "")
    tokens = TOKEN.findall(compact)
    if not tokens or "".join(n + u for n, u in tokens) != compact:
        raise ValueError(f"cannot parse duration {text!r}")
    sizes = dict(UNITS)
    return sum(int(n) * sizes[u] for n, u in tokens)
