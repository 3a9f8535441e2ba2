import pytest

from vectormath import add, dot, norm, scale


def test_add():
    assert add([1, 2], [3, 4]) == [4, 6]


def test_add_mismatch():
    with pytest.raises(ValueError):
        add([1], [1, 2])


def test_dot():
    assert dot([1, 2, 3], [4, 5, 6]) == 32


def test_norm_and_scale():
    assert norm(scale([3, 4], 2)) == 10
