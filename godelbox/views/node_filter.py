"""The TUI's filter language: `status:evaluated,failed score:0.4..0.9 free text`.

One line typed after `/` narrows the tree to matching nodes: `status:` takes a comma list,
`score:` a range `LO..HI` (either side may be empty) or a bound `>=X` / `<=X`, and every other word
must appear (case-insensitive) in the node's proposal text. An empty line clears the filter.
"""

from __future__ import annotations

from dataclasses import dataclass

from godelbox.errors import UserError


class FilterError(UserError):
    """A filter line that cannot be understood; the message shows the accepted syntax."""


SYNTAX = "status:evaluated,failed  score:0.4..0.9 (or >=0.5)  words in the proposal"


@dataclass(frozen=True)
class NodeFilter:
    statuses: frozenset[str] = frozenset()
    """Empty means any status."""
    min_score: float | None = None
    max_score: float | None = None
    text: str = ""
    """Words that must all occur in the proposal (case-insensitive)."""

    @property
    def is_empty(self) -> bool:
        return (
            not (self.statuses or self.text) and self.min_score is None and (self.max_score is None)
        )

    def describe(self) -> str:
        parts: list[str] = []
        if self.statuses:
            parts.append("status " + "|".join(sorted(self.statuses)))
        if self.min_score is not None or self.max_score is not None:
            lo = "" if self.min_score is None else f"{self.min_score:g}"
            hi = "" if self.max_score is None else f"{self.max_score:g}"
            parts.append(f"score {lo}..{hi}")
        if self.text:
            parts.append(f'"{self.text}"')
        return ", ".join(parts) or "none"


def parse_filter(line: str, known_statuses: frozenset[str]) -> NodeFilter:
    """Parse one filter line; unknown statuses and malformed ranges raise `FilterError`."""
    statuses: set[str] = set()
    lo: float | None = None
    hi: float | None = None
    words: list[str] = []
    for token in line.split():
        key, sep, value = token.partition(":")
        if sep and key.lower() == "status":
            statuses |= _parse_statuses(value, known_statuses)
        elif sep and key.lower() == "score":
            lo, hi = _parse_range(value)
        else:
            words.append(token)
    return NodeFilter(frozenset(statuses), lo, hi, " ".join(words))


def _parse_statuses(value: str, known: frozenset[str]) -> set[str]:
    wanted = {s.strip().lower() for s in value.split(",") if s.strip()}
    unknown = wanted - known
    if not wanted or unknown:
        raise FilterError(
            f"unknown status {', '.join(sorted(unknown)) or '(empty)'}; "
            f"use one of {', '.join(sorted(known))}"
        )
    return wanted


def _parse_range(value: str) -> tuple[float | None, float | None]:
    try:
        if value.startswith(">="):
            return float(value[2:]), None
        if value.startswith("<="):
            return None, float(value[2:])
        lo, sep, hi = value.partition("..")
        if not sep:
            raise ValueError(value)
        low = float(lo) if lo else None
        high = float(hi) if hi else None
    except ValueError:
        raise FilterError(
            f"bad score range '{value}'; write e.g. score:0.4..0.9 or score:>=0.5"
        ) from None
    if low is not None and high is not None and low > high:
        raise FilterError(f"empty score range '{value}': the low end is above the high end")
    return low, high
