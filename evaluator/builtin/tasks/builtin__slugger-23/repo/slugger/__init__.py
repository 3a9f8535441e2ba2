"""URL slugs from titles."""

from slugger.slug import slugify

__all__ = ["slugify"]
