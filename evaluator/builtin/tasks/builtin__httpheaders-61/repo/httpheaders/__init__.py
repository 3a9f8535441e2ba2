"""An HTTP header collection."""

from httpheaders.headers import Headers, parse_headers

__all__ = ["Headers", "parse_headers"]
