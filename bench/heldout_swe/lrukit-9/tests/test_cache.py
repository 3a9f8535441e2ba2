from lrukit import LRU


def test_put_get():
    cache = LRU(2)
    cache.put("a", 1)
    assert cache.get("a") == 1


def test_capacity():
    cache = LRU(2)
    for key in "abc":
        cache.put(key, key)
    assert len(cache) == 2 and cache.get("a") is None


def test_update_refreshes():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 3)
    cache.put("c", 4)
    assert cache.get("a") == 3 and cache.get("b") is None
