from thermal.scale import to_celsius, to_kelvin

__all__ = ["to_celsius", "to_kelvin"]
