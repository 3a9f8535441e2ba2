import pytest

from medianish import median, percentile


def test_odd_median():
    assert median([5, 1, 3]) == 3


def test_even_median():
    assert median([4, 1, 3, 2]) == 2.5


def test_percentile():
    assert percentile([15, 20, 35, 40, 50], 30) == 20


def test_percentile_empty():
    assert percentile([], 50) is None


def test_percentile_range():
    with pytest.raises(ValueError):
        percentile([1], 101)
