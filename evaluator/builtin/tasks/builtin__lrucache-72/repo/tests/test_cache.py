import pytest

from lrucache import LRUCache


def test_get_and_put():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1
    assert cache.get("b", "none") == "none"
    assert (cache.hits, cache.misses) == (1, 1)


def test_size_is_bounded():
    cache = LRUCache(2)
    for key in "abcde":
        cache.put(key, key)
    assert len(cache) == 2


def test_bad_capacity():
    with pytest.raises(ValueError):
        LRUCache(0)
