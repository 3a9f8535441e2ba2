import pytest

from textfit import center, truncate


def test_short_text_unchanged():
    assert truncate("hello", 10) == "hello"


def test_exact_width_unchanged():
    assert truncate("hello", 5) == "hello"


def test_width_smaller_than_ellipsis():
    with pytest.raises(ValueError):
        truncate("hello", 2)


def test_center_pads_right_first():
    assert center("ab", 5, fill="*") == "*ab**"
