"""Resolving the kinds of merge conflict that have a clear answer: two changes to the same
module-level list literal, such as an agent's `MUTATORS = [...]` line, and two sets of entries
added to, or changed in, the same dict literal written one entry per line, such as the
`SWAPS` table of the agent's `operator_swap`.

A text merge conflicts whenever both sides rewrote a line, even when each only added a name to
a list: one change adds `raise_insert` to the operators, another `return_variable`, and both
edit the one line that lists them. Merged as ordered sets, both additions are kept, each placed
after the element it followed on its own side, and what either side removed stays removed.
Likewise two changes that each appended entries to one table (the arithmetic family on one
branch, the boolean family on another) both insert lines at its end: merged as ordered maps,
each key takes the value of the side that changed it. Any other conflict is left unresolved
(the caller drops the merge): two values for one scalar, or for one key, have no right answer.
Only text is read; nothing is evaluated beyond `ast.literal_eval` of literals.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from godelbox import python_ast

MARKERS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")
"""`git merge-file --diff3` conflict markers (their default size, 7)."""
Scalar = str | int | float | bool | None


def has_markers(text: str) -> bool:
    """Whether a text holds lines a conflict parser would take for markers: such a text is
    never resolved (agent code is hostile, and could forge a conflict's sides)."""
    return any(line.startswith(MARKERS) for line in text.splitlines())


def resolve(merged: str) -> str | None:
    """The output of `git merge-file -p --diff3` with every conflict resolved, or None when one
    cannot be (see the module's docstring)."""
    out: list[str] = []
    lines = merged.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        if not lines[i].startswith(MARKERS[0]):
            out.append(lines[i])
            i += 1
            continue
        sides: tuple[list[str], list[str], list[str]] = ([], [], [])
        side = 0
        i += 1
        while i < len(lines) and not lines[i].startswith(MARKERS[3]):
            if lines[i].startswith(MARKERS[1]):
                side = 1
            elif lines[i].rstrip("\r\n") == MARKERS[2]:
                side = 2
            else:
                sides[side].append(lines[i])
            i += 1
        if i == len(lines):
            return None  # an unterminated conflict: not git's output
        i += 1
        resolved = merge_assignments(*sides)
        if resolved is None:
            resolved = merge_entries(*sides)
        if resolved is None:
            return None
        out.extend(resolved)
    return "".join(out)


def merge_assignments(mine: list[str], base: list[str], theirs: list[str]) -> list[str] | None:
    """Three versions of a run of one-line `NAME = literal` statements (the same names in the
    same order on every side), merged statement by statement; None for anything else."""
    parsed = [[_assignment(line) for line in side] for side in (mine, base, theirs)]
    if any(a is None for side in parsed for a in side):
        return None
    names = [[a[0] for a in side if a is not None] for side in parsed]
    if not (names[0] == names[1] == names[2]) or not names[0]:
        return None
    out = []
    for k, (m_line, t_line) in enumerate(zip(mine, theirs, strict=True)):
        (name, m), (_, b), (_, t) = (side[k] for side in parsed)  # type: ignore[misc]
        if m == b or t == m:
            out.append(t_line)
        elif t == b:
            out.append(m_line)
        elif isinstance(m, list) and isinstance(b, list) and isinstance(t, list):
            merged = merge_lists(m, b, t)
            if merged is None:
                return None
            out.append(f"{name} = {merged}\n")
        else:
            return None
    return out


def merge_lists(mine: list[Scalar], base: list[Scalar], theirs: list[Scalar]) -> str | None:
    """`mine` with what `theirs` added to `base` (each after the element it followed in
    `theirs`, or first) and without what `theirs` removed, as a literal in the seed's style
    (double-quoted strings); None when an element is not a plain scalar."""
    removed = [x for x in base if x not in theirs]
    result = [x for x in mine if x not in removed]
    for k, item in enumerate(theirs):
        if item not in base and item not in result:
            _insert_as_in(result, theirs, k)
    if not all(x is None or isinstance(x, str | int | float | bool) for x in result):
        return None
    return "[" + ", ".join(json.dumps(x) if isinstance(x, str) else repr(x) for x in result) + "]"


def _insert_as_in(result: list[Any], theirs: list[Any], k: int) -> None:
    """Insert `theirs[k]` into `result` after the nearest element before it in `theirs` that
    `result` holds, or first."""
    anchor = next((y for y in reversed(theirs[:k]) if y in result), _FIRST)
    result.insert(0 if anchor is _FIRST else result.index(anchor) + 1, theirs[k])


_FIRST = object()
_ABSENT = object()


def merge_entries(mine: list[str], base: list[str], theirs: list[str]) -> list[str] | None:
    """Three versions of a run of dict-entry lines (each exactly one `KEY: literal,` with a
    string or integer key, no comment), merged as ordered maps: a key takes the line of the
    side that changed it (added, rewrote or removed it), in `mine`'s order with `theirs`' new
    keys after the key they followed on their side (or first, as lists do); None when a side
    holds any other line or repeats a key, or both sides gave one key different values."""
    sides = [_entries(side) for side in (mine, base, theirs)]
    if any(side is None for side in sides):
        return None
    m, b, t = sides  # type: ignore[misc]
    order, their_order = list(m), list(t)
    for k, key in enumerate(their_order):
        if key not in m:
            _insert_as_in(order, their_order, k)
    out = []
    for key in order:
        mv, bv, tv = (side.get(key, (_ABSENT, ""))[0] for side in (m, b, t))
        if mv == bv:
            taken = t.get(key)
        elif tv in (bv, mv):
            taken = m.get(key)
        else:
            return None
        if taken is not None:
            out.append(taken[1])
    return out


def _entries(lines: list[str]) -> dict[str | int, tuple[object, str]] | None:
    """key -> (value, line) of dict-entry lines, in order; None unless every line is one."""
    out: dict[str | int, tuple[object, str]] = {}
    for line in lines:
        entry = _entry(line)
        if entry is None or entry[0] in out:
            return None
        out[entry[0]] = (entry[1], line)
    return out


def _entry(line: str) -> tuple[str | int, object] | None:
    """(key, value) of a line that is exactly one `KEY: literal,` dict entry, else None."""
    if not line.rstrip().endswith(","):
        return None
    tree = _parsed("{" + line.strip() + "}", mode="eval")
    node = tree.body if isinstance(tree, ast.Expression) else None
    if not isinstance(node, ast.Dict) or len(node.keys) != 1 or node.keys[0] is None:
        return None
    key, value = _literal(node.keys[0]), _literal(node.values[0])
    if isinstance(key, bool) or not isinstance(key, str | int) or value is _ABSENT:
        return None
    return key, value


def _assignment(line: str) -> tuple[str, object] | None:
    """(name, value) of a line that is exactly one `NAME = literal` statement, else None."""
    tree = _parsed(line, mode="exec")
    if not isinstance(tree, ast.Module) or len(tree.body) != 1:
        return None
    statement = tree.body[0]
    if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
        return None
    if not isinstance(statement.targets[0], ast.Name):
        return None
    value = _literal(statement.value)
    if value is _ABSENT:
        return None
    return statement.targets[0].id, value


def _parsed(text: str, mode: str) -> ast.AST | None:
    """The tree of agent-written text, or None when it is not Python or too deep to parse.
    Through `python_ast`, because proposals are made on several threads at once."""
    try:
        return python_ast.parse(text, mode=mode)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _literal(node: ast.expr) -> object:
    """The value of a literal expression, or `_ABSENT` when it is not one (or too deep)."""
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _ABSENT
