"""A small INI-file reader."""

from iniread.parser import parse_ini

__all__ = ["parse_ini"]
