import pytest

from matrixlite import identity, matmul, transpose, zeros


def test_zeros_shape():
    assert zeros(2, 3) == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def test_square_product():
    assert matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]) == [[19, 22], [43, 50]]


def test_identity_is_neutral():
    m = [[2.0, 1.0], [0.5, 3.0]]
    assert matmul(m, identity(2)) == m


def test_transpose():
    assert transpose([[1, 2, 3]]) == [[1], [2], [3]]


def test_shape_mismatch():
    with pytest.raises(ValueError):
        matmul([[1, 2]], [[1, 2]])
