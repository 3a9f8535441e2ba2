"""Lower-case ASCII words joined by a separator, optionally without filler words."""

from __future__ import annotations

import re
import unicodedata

STOP_WORDS = frozenset({"a", "an", "and", "of", "the", "to", "in"})


def _words(text: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", ascii_text.lower())


def slugify(
    text: str, sep: str = "-", max_length: int | None = None, drop_stop_words: bool = False
) -> str:
    """'The Art of War' -> 'the-art-of-war' (or 'art-war' with drop_stop_words)."""
    words = [w for w in _words(text) if not drop_stop_words or w in STOP_WORDS]
    slug = sep.join(words)
    if max_length is not None and len(slug) > max_length:
        slug = slug[:max_length].rstrip(sep)
    return slug
