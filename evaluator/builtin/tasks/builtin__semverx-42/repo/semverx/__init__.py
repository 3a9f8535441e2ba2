"""Parse and compare semantic versions."""

from semverx.version import Version, parse

__all__ = ["Version", "parse"]
