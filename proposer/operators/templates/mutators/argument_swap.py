"""Swap two positional arguments of a call, or the operands of a non-commutative operator."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site

ORDERED = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def mutate(site: Site) -> Iterator[Edit]:
    for node in site.expressions():
        pairs = []
        if isinstance(node, ast.Call):
            args = [a for a in node.args if not isinstance(a, ast.Starred)]
            pairs = [(args[i], args[j]) for i in range(len(args)) for j in range(i + 1, len(args))]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ORDERED):
            pairs = [(node.left, node.right)]
        for first, second in pairs:
            yield Edit(
                f"swap {site.text(first)!r} and {site.text(second)!r} at line {site.line}",
                _swap(site, first, second),
            )


def _swap(site: Site, first: ast.AST, second: ast.AST) -> str:
    (a0, a1), (b0, b1) = site.span(first), site.span(second)
    src = site.source
    return src[:a0] + src[b0:b1] + src[a1:b0] + src[a0:a1] + src[b1:]


EXAMPLE = (
    "def ratio(a, b):\n    return divide(b, a)\n",
    2,
    "def ratio(a, b):\n    return divide(a, b)\n",
)
