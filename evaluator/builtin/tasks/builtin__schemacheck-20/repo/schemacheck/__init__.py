"""Validate plain-dict configuration against a schema of types."""

from schemacheck.validate import SchemaError, validate

__all__ = ["SchemaError", "validate"]
