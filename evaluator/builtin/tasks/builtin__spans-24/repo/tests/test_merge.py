import pytest

from spans import merge, total_length


def test_disjoint_are_sorted():
    assert merge([(5, 6), (1, 2)]) == [(1, 2), (5, 6)]


def test_empty():
    assert merge([]) == []


def test_invalid_interval():
    with pytest.raises(ValueError):
        merge([(3, 1)])


def test_total_length_disjoint():
    assert total_length([(0, 2), (10, 15)]) == 7
