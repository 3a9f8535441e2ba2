"""Off-by-one: shift an integer literal, an index, a slice bound or a range() bound by one."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site


def mutate(site: Site) -> Iterator[Edit]:
    for node in site.expressions():
        if isinstance(node, ast.Constant) and type(node.value) is int:
            for delta in (1, -1):
                new = node.value + delta
                yield Edit(
                    f"off-by-one {node.value} -> {new} at line {site.line}",
                    site.replace(node, str(new)),
                )
        elif _is_bound(site, node) and not isinstance(node, ast.Constant):
            text = site.text(node)
            for op in ("+", "-"):
                yield Edit(
                    f"off-by-one {text} -> {text} {op} 1 at line {site.line}",
                    site.replace(node, f"{text} {op} 1"),
                )


def _is_bound(site: Site, node: ast.AST) -> bool:
    """An index, a slice bound or an argument of range()."""
    parent = site.parent(node)
    if isinstance(parent, ast.Subscript):
        return parent.slice is node
    if isinstance(parent, ast.Slice):
        return node in (parent.lower, parent.upper)
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id == "range"
        and node in parent.args
    )


EXAMPLE = (
    "def last(items):\n    return items[len(items)]\n",
    2,
    "def last(items):\n    return items[len(items) - 1]\n",
)
