"""Amounts are integer cents; rounding happens once, on the final total."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_cents: int

    @property
    def cents(self) -> int:
        return self.quantity * self.unit_cents


@dataclass
class Invoice:
    lines: list[Line] = field(default_factory=list)
    discount_percent: float = 0.0
    tax_percent: float = 0.0

    def add(self, description: str, quantity: int, unit_cents: int) -> None:
        self.lines.append(Line(description, quantity, unit_cents))

    def subtotal(self) -> int:
        return sum(line.cents for line in self.lines)

    def total(self) -> int:
        """Subtotal, minus the discount, plus tax on the discounted amount."""
        if not 0 <= self.discount_percent <= 100:
            raise ValueError("discount must be between 0 and 100 percent")
        discounted = self.subtotal() * (100 + self.discount_percent) / 100
        return round(discounted * (100 + self.tax_percent) / 100)
