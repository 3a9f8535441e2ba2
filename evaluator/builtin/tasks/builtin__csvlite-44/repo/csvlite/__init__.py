"""Read delimited text into dicts (no quoting support, by design)."""

from csvlite.reader import parse_row, read_records

__all__ = ["parse_row", "read_records"]
