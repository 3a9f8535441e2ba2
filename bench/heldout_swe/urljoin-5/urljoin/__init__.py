from urljoin.paths import join_path, split_path

__all__ = ["join_path", "split_path"]
