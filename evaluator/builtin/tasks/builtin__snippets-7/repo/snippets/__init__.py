"""Show numbered excerpts of source files, as tracebacks and linters do."""

from snippets.excerpt import excerpt, render

__all__ = ["excerpt", "render"]
