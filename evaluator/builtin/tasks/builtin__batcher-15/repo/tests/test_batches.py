import pytest

from batcher import batches, flatten


def test_even_split():
    assert batches([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]


def test_short_last_batch():
    assert batches("abcde", 2) == [["a", "b"], ["c", "d"], ["e"]]


def test_bad_size():
    with pytest.raises(ValueError):
        batches([1], 0)


def test_flatten_undoes_batches():
    assert flatten(batches(list(range(7)), 3)) == list(range(7))
