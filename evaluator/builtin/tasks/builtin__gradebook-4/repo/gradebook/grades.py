"""Letter grades use inclusive lower cutoffs: 90 and above is an A."""

from __future__ import annotations

from collections import Counter

CUTOFFS = [(90, "A"), (80, "B"), (70, "C"), (60, "D")]


def letter_grade(score: float) -> str:
    if not 0 <= score <= 100:
        raise ValueError(f"score {score} is outside 0..100")
    for cutoff, letter in CUTOFFS:
        if score > cutoff:
            return letter
    return "F"


def summary(scores: dict[str, float]) -> dict[str, int]:
    """How many students got each letter, for letters that occur."""
    counts = Counter(letter_grade(s) for s in scores.values())
    return dict(sorted(counts.items()))
