from envflags.flags import flag, parse_bool

__all__ = ["flag", "parse_bool"]
