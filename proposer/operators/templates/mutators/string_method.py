"""Swap a string method for its sibling (lower/upper, strip/lstrip/rstrip, startswith/endswith,
split/rsplit, find/rfind, ...) or drop the explicit separator of split/strip."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site

FAMILIES = [
    ["lower", "upper", "casefold", "title", "capitalize"],
    ["strip", "lstrip", "rstrip"],
    ["startswith", "endswith"],
    ["split", "rsplit", "splitlines"],
    ["find", "rfind", "index", "rindex"],
    ["ljust", "rjust", "center"],
    ["isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower"],
    ["removeprefix", "removesuffix"],
    ["partition", "rpartition"],
]
SIBLINGS = {name: [o for o in family if o != name] for family in FAMILIES for name in family}


def mutate(site: Site) -> Iterator[Edit]:
    for node in site.expressions():
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr = node.func
        end = site.span(attr)[1]
        if site.source[end - len(attr.attr) : end] != attr.attr:
            continue
        for other in SIBLINGS.get(attr.attr, []):
            source = site.source[: end - len(attr.attr)] + other + site.source[end:]
            yield Edit(f"string method .{attr.attr}() -> .{other}() at line {site.line}", source)
        if attr.attr in ("split", "strip", "rsplit", "lstrip", "rstrip") and len(node.args) == 1:
            receiver = site.text(attr.value)
            yield Edit(
                f"string method .{attr.attr}({site.text(node.args[0])}) -> "
                f".{attr.attr}() at line {site.line}",
                site.replace(node, f"{receiver}.{attr.attr}()"),
            )


EXAMPLE = (
    "def is_python(name):\n    return name.startswith('.py')\n",
    2,
    "def is_python(name):\n    return name.endswith('.py')\n",
)
