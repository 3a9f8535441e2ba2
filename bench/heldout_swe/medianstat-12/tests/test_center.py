import pytest

from medianstat import median, midrange


def test_odd():
    assert median([3, 1, 2]) == 2


def test_empty():
    with pytest.raises(ValueError):
        median([])


def test_midrange():
    assert midrange([1, 9, 4]) == 5


def test_even_count_averages_the_middle_pair():
    assert median([4, 1, 3, 2]) == 2.5
