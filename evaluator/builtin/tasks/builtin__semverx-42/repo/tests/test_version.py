import pytest

from semverx import parse


def test_parse_and_print():
    assert str(parse("1.10.0-rc.1")) == "1.10.0-rc.1"


def test_numeric_ordering():
    assert parse("1.10.0") > parse("1.9.3")


def test_prerelease_sorts_first():
    assert parse("2.0.0-beta") < parse("2.0.0")


def test_rejects_two_parts():
    with pytest.raises(ValueError):
        parse("1.2")


def test_zero_is_fine():
    assert parse("0.0.0") == parse("0.0.0")
