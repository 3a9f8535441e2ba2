"""Normalize URLs so equivalent spellings compare equal."""

from urlnorm.normalize import normalize, same_resource

__all__ = ["normalize", "same_resource"]
