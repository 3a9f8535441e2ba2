"""Replace a literal: by a value the problem statement mentions, or by a nearby number."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from edits import Edit, Site

NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
STRING = re.compile(r"""(?P<q>["'])((?:(?!(?P=q)).){0,40})(?P=q)""")


def mutate(site: Site) -> Iterator[Edit]:
    numbers, strings = _mentioned(site.problem)
    for node in site.expressions():
        if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
            continue
        value = node.value
        if isinstance(value, int | float):
            near = [0, 1, -value, value * 2, value // 2 if isinstance(value, int) else value / 2]
            options = [v for v in numbers if isinstance(v, type(value))] + near
        elif isinstance(value, str):
            options = [*strings, ""]
        else:
            continue
        done = {repr(value)}
        for option in options:
            text = repr(option)
            if text in done:
                continue
            done.add(text)
            yield Edit(
                f"constant {value!r} -> {text} at line {site.line}", site.replace(node, text)
            )


def _mentioned(problem: str) -> tuple[list[int | float], list[str]]:
    numbers: list[int | float] = []
    for match in NUMBER.finditer(problem):
        text = match.group(0)
        value = float(text) if "." in text else int(text)
        if value not in numbers:
            numbers.append(value)
    strings = []
    for match in STRING.finditer(problem):
        if match.group(2) not in strings:
            strings.append(match.group(2))
    return numbers[:8], strings[:8]


EXAMPLE = (
    "def seconds(minutes):\n    return minutes * 100\n",
    2,
    "def seconds(minutes):\n    return minutes * 60\n",
    "seconds(2) should be 120: a minute has 60 seconds",
)
