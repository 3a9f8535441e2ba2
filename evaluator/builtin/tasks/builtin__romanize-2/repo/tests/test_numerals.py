import pytest

from romanize import from_roman, to_roman


def test_small_numbers():
    assert [to_roman(n) for n in (1, 4, 9, 14)] == ["I", "IV", "IX", "XIV"]


def test_year():
    assert to_roman(2024) == "MMXXIV"


def test_parse_lower_case():
    assert from_roman("mcmlxxv") == 1975


def test_rejects_zero():
    with pytest.raises(ValueError):
        to_roman(0)


def test_rejects_garbage():
    with pytest.raises(ValueError):
        from_roman("IIII")
