"""De-duplication of proposed tasks: an exact hash of the normalised text, then a near-duplicate
check by token Jaccard similarity (a proposer asked twice about one repository rephrases itself
far more often than it repeats itself verbatim)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9_]+")


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, whitespace collapsed."""
    return " ".join(tokens(text))


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def jaccard(a: str, b: str) -> float:
    """|A ∩ B| / |A ∪ B| over the token sets; 1.0 for two empty texts."""
    sa, sb = set(tokens(a)), set(tokens(b))
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True)
class Known:
    """A task already in the archive (or earlier in the same batch)."""

    task_id: int | None
    """None for a text that is not a stored task (the example the proposer was shown)."""
    text: str
    text_hash: str


@dataclass(frozen=True)
class Duplicate:
    of: Known
    similarity: float
    exact: bool

    def describe(self) -> str:
        which = "same text as" if self.exact else f"{self.similarity:.2f} token Jaccard with"
        other = "the example" if self.of.task_id is None else f"task {self.of.task_id}"
        return f"duplicate: {which} {other}"


def find_duplicate(text: str, known: Iterable[Known], threshold: float) -> Duplicate | None:
    """The first known task with the same normalised text, else the most similar one at or
    above `threshold`, else None."""
    digest = text_hash(text)
    best: Duplicate | None = None
    for other in known:
        if other.text_hash == digest:
            return Duplicate(other, 1.0, exact=True)
        similarity = jaccard(text, other.text)
        if similarity >= threshold and (best is None or similarity > best.similarity):
            best = Duplicate(other, similarity, exact=False)
    return best
