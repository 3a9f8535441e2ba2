"""Words are runs of letters and apostrophes, compared case-insensitively."""

from __future__ import annotations

import re
from collections import Counter

WORD = re.compile(r"[A-Za-z']+")


def count_words(text: str) -> Counter[str]:
    return Counter(word.strip("'") for word in WORD.findall(text) if word.strip("'"))


def top_words(text: str, n: int = 3) -> list[tuple[str, int]]:
    """The n most frequent words; ties are broken alphabetically."""
    counts = count_words(text)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
