"""Change which element is taken: another literal index (first/last/second), or a slice with a
bound dropped, the bounds swapped, or the direction reversed."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site

INDEXES = [0, -1, 1, -2, 2]


def mutate(site: Site) -> Iterator[Edit]:
    for node in site.expressions():
        if not isinstance(node, ast.Subscript):
            continue
        index = node.slice
        if (isinstance(index, ast.Constant) and type(index.value) is int) or (
            isinstance(index, ast.UnaryOp) and isinstance(index.operand, ast.Constant)
        ):
            yield from _other_indexes(site, index)
        elif isinstance(index, ast.Slice):
            yield from _slices(site, node, index)


def _other_indexes(site: Site, index: ast.AST) -> Iterator[Edit]:
    current = site.text(index)
    for other in INDEXES:
        if str(other) != current.replace(" ", ""):
            yield Edit(
                f"index [{current}] -> [{other}] at line {site.line}",
                site.replace(index, str(other)),
            )


def _slices(site: Site, node: ast.Subscript, index: ast.Slice) -> Iterator[Edit]:
    value = site.text(node.value)
    lower = site.text(index.lower) if index.lower else ""
    upper = site.text(index.upper) if index.upper else ""
    step = site.text(index.step) if index.step else ""
    options = []
    if lower:
        options.append(("", upper, step))
    if upper:
        options.append((lower, "", step))
    if lower and upper:
        options.append((upper, lower, step))
    options.append((lower, upper, "" if step else "-1"))
    for low, up, stride in options:
        text = f"[{low}:{up}" + (f":{stride}" if stride else "") + "]"
        yield Edit(f"slice -> {text} at line {site.line}", site.replace(node, value + text))


EXAMPLE = (
    "def newest(versions):\n    return sorted(versions)[0]\n",
    2,
    "def newest(versions):\n    return sorted(versions)[-1]\n",
)
