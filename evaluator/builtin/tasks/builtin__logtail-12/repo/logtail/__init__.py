"""Look through application logs."""

from logtail.scan import errors, last_error, parse_line

__all__ = ["errors", "last_error", "parse_line"]
