import pytest

from thermal import to_celsius, to_kelvin


def test_roundtrip():
    assert to_celsius(to_kelvin(25)) == pytest.approx(25)


def test_negative_kelvin():
    with pytest.raises(ValueError):
        to_celsius(-1)
