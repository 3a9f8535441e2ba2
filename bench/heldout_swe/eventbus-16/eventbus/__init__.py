from eventbus.bus import Bus

__all__ = ["Bus"]
