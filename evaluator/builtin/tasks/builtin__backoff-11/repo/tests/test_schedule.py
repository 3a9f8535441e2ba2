import pytest

from backoff import delays, exponential


def test_first_retry_waits_base():
    assert exponential(0, base=1.5) == 1.5


def test_custom_factor():
    assert delays(3, base=1, factor=3) == [1, 3, 9]


def test_cap():
    assert exponential(20, base=1, factor=2, cap=10) == 10


def test_negative_attempt():
    with pytest.raises(ValueError):
        exponential(-1)
