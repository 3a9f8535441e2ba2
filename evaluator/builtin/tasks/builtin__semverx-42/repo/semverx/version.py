"""MAJOR.MINOR.PATCH[-PRERELEASE]; numeric parts have no leading zeros (SemVer 2.0 rule 2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # A release sorts after all of its pre-releases: (1, "") > (0, "rc.1").
    release_key: tuple[int, str] = (1, "")

    @property
    def prerelease(self) -> str:
        return self.release_key[1]

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{self.prerelease}" if self.prerelease else core


def parse(text: str) -> Version:
    core, dash, pre = text.strip().partition("-")
    parts = core.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"{text!r} is not MAJOR.MINOR.PATCH")
    if dash and not pre:
        raise ValueError(f"{text!r} has an empty pre-release")
    major, minor, patch = (int(p) for p in parts)
    return Version(major, minor, patch, (0, pre) if pre else (1, ""))
