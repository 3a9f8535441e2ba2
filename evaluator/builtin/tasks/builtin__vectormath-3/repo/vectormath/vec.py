"""Vectors are sequences of floats; operations on two vectors need equal lengths."""

from __future__ import annotations

import math
from collections.abc import Sequence

Vector = Sequence[float]


def _same_length(a: Vector, b: Vector) -> None:
    if len(a) != len(b):
        raise ValueError(f"length mismatch: {len(a)} != {len(b)}")


def add(a: Vector, b: Vector) -> list[float]:
    _same_length(a, b)
    return [x + y for x, y in zip(a, b)]


def dot(a: Vector, b: Vector) -> float:
    return sum(x * y for x, y in zip(a, b))


def scale(a: Vector, k: float) -> list[float]:
    return [k * x for x in a]


def norm(a: Vector) -> float:
    return math.sqrt(dot(a, a))
