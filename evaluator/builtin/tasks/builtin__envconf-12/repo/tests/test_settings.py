import pytest

from envconf import Settings


def test_bool_words():
    s = Settings({"APP_DEBUG": " Yes ", "APP_CACHE": "off"}, prefix="APP_")
    assert s.get_bool("DEBUG") is True
    assert s.get_bool("CACHE") is False


def test_bool_garbage():
    with pytest.raises(ValueError):
        Settings({"X": "maybe"}).get_bool("X")


def test_int_default():
    assert Settings({}).get_int("PORT", default=8080) == 8080


def test_int_in_range():
    assert Settings({"PORT": "443"}).get_int("PORT", minimum=1, maximum=65535) == 443
