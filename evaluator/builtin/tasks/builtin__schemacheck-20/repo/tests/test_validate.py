import pytest

from schemacheck import SchemaError, validate

SCHEMA = {"host": str, "port": int}


def test_valid_config():
    assert validate({"host": "db", "port": 5432}, SCHEMA) == {"host": "db", "port": 5432}


def test_defaults_fill_in():
    assert validate({"host": "db"}, SCHEMA, {"port": 5432})["port"] == 5432


def test_missing_key():
    with pytest.raises(SchemaError):
        validate({"host": "db"}, SCHEMA)


def test_wrong_type():
    with pytest.raises(SchemaError):
        validate({"host": "db", "port": "5432"}, SCHEMA)
