"""Celsius, Fahrenheit and Kelvin; below absolute zero is an error."""

from __future__ import annotations

ABSOLUTE_ZERO_C = -273.15


def _check(celsius: float) -> float:
    if celsius < ABSOLUTE_ZERO_C:
        raise ValueError(f"{celsius} °C is below absolute zero")
    return celsius


def c_to_f(celsius: float) -> float:
    return _check(celsius) * 1.8 + 32


def f_to_c(fahrenheit: float) -> float:
    return _check((fahrenheit - 32) * 1.8)


def c_to_k(celsius: float) -> float:
    return _check(celsius) - ABSOLUTE_ZERO_C
