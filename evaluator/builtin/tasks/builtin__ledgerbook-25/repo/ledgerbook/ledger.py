"""Entries are integer cents; the balance is replayed from the entries, never stored."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("deposit", "withdrawal", "fee")


@dataclass(frozen=True)
class Entry:
    kind: str
    cents: int
    memo: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown entry kind {self.kind!r}")
        if self.cents <= 0:
            raise ValueError("amounts must be positive")


@dataclass
class Ledger:
    entries: list[Entry] = field(default_factory=list)

    def record(self, kind: str, cents: int, memo: str = "") -> None:
        self.entries.append(Entry(kind, cents, memo))

    def balance(self) -> int:
        total = 0
        for entry in self.entries:
            if entry.kind == "deposit":
                total += entry.cents
            elif entry.kind == "withdrawal":
                total -= entry.cents
            else:
                total += entry.cents
        return total

    def statement(self) -> list[str]:
        return [f"{e.kind:<10} {e.cents / 100:>10.2f} {e.memo}".rstrip() for e in self.entries]
