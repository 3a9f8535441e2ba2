"""Swap `and` with `or`, and True with False."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site


def mutate(site: Site) -> Iterator[Edit]:
    for node in site.expressions():
        if isinstance(node, ast.BoolOp):
            old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
            source = site.source
            for left, right in reversed(list(zip(node.values, node.values[1:], strict=False))):
                swapped = Site(site.path, source, site.tree, site.line, parents=site.parents)
                source = swapped.replace_between(left, right, old, new) or source
            yield Edit(f"boolean {old} -> {new} at line {site.line}", source)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            yield Edit(
                f"boolean {node.value} -> {not node.value} at line {site.line}",
                site.replace(node, str(not node.value)),
            )


EXAMPLE = (
    "def valid(a, b):\n    return a > 0 or b > 0\n",
    2,
    "def valid(a, b):\n    return a > 0 and b > 0\n",
)
