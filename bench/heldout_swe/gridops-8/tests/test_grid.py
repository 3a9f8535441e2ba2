from gridops import flip_rows, transpose


def test_square():
    assert transpose([[1, 2], [3, 4]]) == [[1, 3], [2, 4]]


def test_empty():
    assert transpose([]) == []


def test_flip():
    assert flip_rows([[1, 2, 3]]) == [[3, 2, 1]]


def test_wide_grid():
    assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
