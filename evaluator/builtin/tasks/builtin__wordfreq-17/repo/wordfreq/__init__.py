"""Word frequencies for text analytics."""

from wordfreq.count import count_words, top_words

__all__ = ["count_words", "top_words"]
