from linewrap.wrap import fill, wrap

__all__ = ["fill", "wrap"]
