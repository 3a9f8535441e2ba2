from tagnorm.tags import normalize_tags

__all__ = ["normalize_tags"]
