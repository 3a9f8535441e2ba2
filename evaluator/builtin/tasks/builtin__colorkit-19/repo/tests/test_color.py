import pytest

from colorkit import darken, from_hex, lighten, to_hex


def test_parse_short_hex():
    assert from_hex("#fa0") == (255, 170, 0)


def test_round_trip():
    assert to_hex(from_hex("#1e90ff")) == "#1e90ff"


def test_bad_hex():
    with pytest.raises(ValueError):
        from_hex("#12345")


def test_lighten_a_little():
    assert lighten((10, 20, 30), 5) == (15, 25, 35)


def test_darken_saturates_at_black():
    assert darken((10, 200, 30), 50) == (0, 150, 0)
