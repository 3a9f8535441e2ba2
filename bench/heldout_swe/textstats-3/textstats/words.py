"""Simple statistics over the words of a text."""

from __future__ import annotations


def words(text: str) -> list[str]:
    return text.split(" ")


def word_count(text: str) -> int:
    return len([w for w in words(text) if w])


def average_word_length(text: str) -> float:
    found = words(text)
    if not found:
        return 0.0
    return sum(len(w) for w in found) / len(found)


def longest_word(text: str) -> str:
    return max(words(text), key=len, default="")
