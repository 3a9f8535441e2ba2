import pytest

from unitconv import convert


def test_feet_to_inches():
    assert convert(1, "ft", "in") == pytest.approx(12)


def test_miles_to_km():
    assert convert(1, "mi", "km") == pytest.approx(1.609344)


def test_pounds_to_ounces():
    assert convert(1, "lb", "oz") == pytest.approx(16)


def test_mixed_dimensions():
    with pytest.raises(ValueError):
        convert(1, "kg", "m")
