"""A schema maps key -> type. Missing keys take defaults, wrong types and unknown keys
(usually typos) are errors.
"""

from __future__ import annotations

from typing import Any


class SchemaError(ValueError):
    pass


def validate(
    config: dict[str, Any], schema: dict[str, type], defaults: dict[str, Any] | None = None
) -> dict[str, Any]:
    defaults = defaults or {}
    unknown = sorted(set(config) - set(schema))
    result: dict[str, Any] = {}
    for key, kind in schema.items():
        if key in config:
            value = config[key]
        elif key in defaults:
            value = defaults[key]
        else:
            raise SchemaError(f"missing required key {key!r}")
        if not isinstance(value, kind):
            raise SchemaError(f"{key!r} must be {kind.__name__}, got {type(value).__name__}")
        result[key] = value
    return result
