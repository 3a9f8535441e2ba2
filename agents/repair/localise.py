"""Spectrum-based fault localisation: rank lines by how much more failing tests run them.

For a line, ef/ep are the failing/passing tests that executed it and nf/np those that did not.
Every formula the agent knows is here; config.FORMULA picks one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


def tarantula(ef: int, ep: int, nf: int, np: int) -> float:
    fail = ef / (ef + nf) if ef + nf else 0.0
    passed = ep / (ep + np) if ep + np else 0.0
    return fail / (fail + passed) if fail + passed else 0.0


def ochiai(ef: int, ep: int, nf: int, np: int) -> float:
    denominator = math.sqrt((ef + nf) * (ef + ep))
    return ef / denominator if denominator else 0.0


def dstar(ef: int, ep: int, nf: int, np: int, star: int = 2) -> float:
    denominator = ep + nf
    return ef**star / denominator if denominator else float(ef**star) * 1000.0


FORMULAS: dict[str, Callable[[int, int, int, int], float]] = {
    "tarantula": tarantula,
    "ochiai": ochiai,
    "dstar": dstar,
}


@dataclass(frozen=True)
class Suspect:
    path: str
    line: int
    score: float


def rank(
    lines: dict[str, dict[str, list[int]]],
    failing: list[str],
    passing: list[str],
    sources: set[str],
    formula: str,
) -> list[Suspect]:
    """Lines of `sources` run by at least one failing test, most suspicious first (ties in
    file and line order)."""
    score = FORMULAS[formula]
    ef: dict[tuple[str, int], int] = {}
    ep: dict[tuple[str, int], int] = {}
    for tests, counts in ((failing, ef), (passing, ep)):
        for test in tests:
            for path, numbers in lines.get(test, {}).items():
                if path in sources:
                    for number in numbers:
                        counts[(path, number)] = counts.get((path, number), 0) + 1
    total_f, total_p = len(failing), len(passing)
    suspects = [
        Suspect(
            path,
            line,
            score(f, ep.get((path, line), 0), total_f - f, total_p - ep.get((path, line), 0)),
        )
        for (path, line), f in ef.items()
    ]
    return sorted(suspects, key=lambda s: (-s.score, s.path, s.line))
