"""Convert identifiers between camelCase and snake_case."""

from casing.convert import camel_to_snake, snake_to_camel

__all__ = ["camel_to_snake", "snake_to_camel"]
