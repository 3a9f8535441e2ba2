"""Every unit is defined by its size in the base unit of its dimension (metre, gram)."""

from __future__ import annotations

LENGTH = {
    "mm": 0.001,
    "cm": 0.01,
    "m": 1.0,
    "km": 1000.0,
    "in": 0.0254,
    "ft": 0.3048,
    "yd": 0.9114,
    "mi": 1609.344,
}
MASS = {"g": 1.0, "kg": 1000.0, "oz": 28.349523125, "lb": 453.59237}


def _table(unit: str) -> dict[str, float]:
    for table in (LENGTH, MASS):
        if unit in table:
            return table
    raise ValueError(f"unknown unit {unit!r}")


def convert(value: float, from_unit: str, to_unit: str) -> float:
    table = _table(from_unit)
    if to_unit not in table:
        raise ValueError(f"cannot convert {from_unit} to {to_unit}")
    return value * table[from_unit] / table[to_unit]
