"""Read strings from a mapping and convert them with validation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


@dataclass
class Settings:
    env: Mapping[str, str]
    prefix: str = ""

    def get(self, key: str) -> str | None:
        return self.env.get(self.prefix + key)

    def get_bool(self, key: str, default: bool = False) -> bool:
        raw = self.get(key)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{self.prefix + key}={raw!r} is not a boolean")

    def get_int(
        self,
        key: str,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        """The integer value of `key`, which must lie within [minimum, maximum] if given."""
        raw = self.get(key)
        if raw is None:
            return default
        value = int(raw)
        if (minimum is not None and value < minimum) and (maximum is not None and value > maximum):
            raise ValueError(f"{self.prefix + key}={value} is outside {minimum}..{maximum}")
        return value
