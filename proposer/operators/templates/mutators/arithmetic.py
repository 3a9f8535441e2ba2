"""Swap an arithmetic operator (+ for -, * for /, / for //, ...), in expressions and in +=."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site

TOKENS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
SWAPS = {
    "+": ["-", "*"],
    "-": ["+"],
    "*": ["/", "+", "**"],
    "/": ["//", "*"],
    "//": ["/", "%"],
    "%": ["//"],
    "**": ["*"],
}


def mutate(site: Site) -> Iterator[Edit]:
    stmt = site.statement()
    if isinstance(stmt, ast.AugAssign) and type(stmt.op) in TOKENS:
        old = TOKENS[type(stmt.op)]
        for new in SWAPS[old]:
            source = site.replace_between(stmt.target, stmt.value, old + "=", new + "=")
            if source is not None:
                yield Edit(f"arithmetic {old}= -> {new}= at line {site.line}", source)
    for node in site.expressions():
        if isinstance(node, ast.BinOp) and type(node.op) in TOKENS:
            old = TOKENS[type(node.op)]
            for new in SWAPS[old]:
                source = site.replace_between(node.left, node.right, old, new)
                if source is not None:
                    yield Edit(f"arithmetic {old!r} -> {new!r} at line {site.line}", source)


EXAMPLE = (
    "def mean(xs):\n    return sum(xs) // len(xs)\n",
    2,
    "def mean(xs):\n    return sum(xs) / len(xs)\n",
)
