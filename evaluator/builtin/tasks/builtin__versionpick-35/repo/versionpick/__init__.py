"""Choose release versions from a list of tags."""

from versionpick.pick import latest, parse_tag, sort_tags

__all__ = ["latest", "parse_tag", "sort_tags"]
