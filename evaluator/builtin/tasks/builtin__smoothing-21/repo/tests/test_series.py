import pytest

from smoothing import cumulative_sum, moving_average


def test_window_longer_than_series():
    assert moving_average([1, 2], 3) == []


def test_single_window():
    assert moving_average([1, 2, 3], 3) == [2.0]


def test_rejects_zero_window():
    with pytest.raises(ValueError):
        moving_average([1, 2, 3], 0)


def test_cumulative_sum():
    assert cumulative_sum([1, 2, 3]) == [1.0, 3.0, 6.0]
