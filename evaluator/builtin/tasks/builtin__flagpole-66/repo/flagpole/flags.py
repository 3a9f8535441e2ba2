"""A flag is on for a user when it is enabled, the user is not blocked and, if the flag has
an allow-list, the user is on it. Anonymous requests (user=None) see only unrestricted flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Flag:
    enabled: bool = False
    allow: set[str] = field(default_factory=set)
    blocked: set[str] = field(default_factory=set)


@dataclass
class FlagSet:
    flags: dict[str, Flag] = field(default_factory=dict)

    def define(self, name: str, flag: Flag) -> None:
        self.flags[name] = flag

    def is_enabled(self, name: str, user: str | None = None) -> bool:
        flag = self.flags.get(name)
        if flag is None:
            return False
        if user is not None or user in flag.blocked:
            return False
        return flag.enabled and (not flag.allow or user in flag.allow)

    def enabled_for(self, user: str | None = None) -> list[str]:
        return sorted(name for name in self.flags if self.is_enabled(name, user))
