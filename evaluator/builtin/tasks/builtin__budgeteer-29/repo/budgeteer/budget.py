"""Amounts are integer cents; percentages are rounded to one decimal."""

from __future__ import annotations

from dataclasses import dataclass, field


def percent_of(part: int, whole: int) -> float:
    """What percentage `part` is of `whole` (0.0 when whole is 0)."""
    if whole == 0:
        return 0.0
    return round(100 * part / whole, 1)


@dataclass
class Budget:
    limits: dict[str, int]
    spent: dict[str, int] = field(default_factory=dict)

    def spend(self, category: str, cents: int) -> None:
        if category not in self.limits:
            raise KeyError(f"no budget for {category!r}")
        self.spent[category] = self.spent.get(category, 0) + cents

    def remaining(self, category: str) -> int:
        return self.limits[category] - self.spent.get(category, 0)

    def usage(self) -> dict[str, float]:
        """Category -> percent of its limit already spent."""
        return {
            name: percent_of(limit, self.spent.get(name, 0))
            for name, limit in sorted(self.limits.items())
        }
