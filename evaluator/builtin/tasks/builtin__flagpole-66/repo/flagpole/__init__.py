"""Feature flags with allow-lists and block-lists."""

from flagpole.flags import Flag, FlagSet

__all__ = ["Flag", "FlagSet"]
