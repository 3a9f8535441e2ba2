import pytest

from numstats import describe, mean, variance


def test_mean_of_evenly_spaced():
    assert mean([2, 4, 6]) == 4


def test_empty_mean():
    with pytest.raises(ValueError):
        mean([])


def test_variance():
    assert variance([2, 4, 6]) == 4


def test_describe():
    assert describe([3, 1, 2]) == {"count": 3, "min": 1, "max": 3, "mean": 2}
