from lrukit.cache import LRU

__all__ = ["LRU"]
