"""Typed settings read from environment-like mappings."""

from envconf.settings import Settings

__all__ = ["Settings"]
