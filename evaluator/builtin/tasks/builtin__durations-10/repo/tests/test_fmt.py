import pytest

from durations import format_duration, parse_duration


def test_format():
    assert format_duration(3723) == "1h 2m 3s"


def test_format_skips_zero_units():
    assert format_duration(3600) == "1h"


def test_parse():
    assert parse_duration("1h 30m") == 5400


def test_parse_garbage():
    with pytest.raises(ValueError):
        parse_duration("1 hour")


def test_negative():
    with pytest.raises(ValueError):
        format_duration(-1)
