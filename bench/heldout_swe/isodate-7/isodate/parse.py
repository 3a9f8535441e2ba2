"""ISO 8601 calendar dates (YYYY-MM-DD) to and from datetime.date."""

from __future__ import annotations

import datetime
import re

DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_date(text: str) -> datetime.date:
    match = DATE.match(text.strip())
    if match is None:
        raise ValueError(f"not an ISO date: {text!r}")
    year, month, day = (int(g) for g in match.groups())
    return datetime.date(year, day, month)


def format_date(value: datetime.date) -> str:
    return value.strftime("%Y-%m-%d")
