"""Grammar growth: a table of the agent's code that names operators of Python's grammar gains an
entry, so the agent can make a change it had no way to make before.

A table is a module-level dict literal whose keys and values all name operator classes of the
`ast` module (Lt, Add, And, Not, ...), each key mapped to classes of its own family: the repair
agent's operator swaps are one. The kind knows the grammar, not what an operator means:

- `new_entry`: a class the table lacks enters, mapped to its neighbours in its family's order of
  declaration (Add -> [Sub], Sub -> [Add, Mult]);
- `widen_entry`: a class the table has gains the nearest sibling it does not list yet;
- `new_family`: every class of one family the table lacks enters at once, each mapped to all its
  siblings, nearest first. One step holds every swap of the family, at the price of many more
  candidates per line (the agent's search budget decides whether that pays).

Which class grows is weighted by evidence: the repair agent logs the operators standing on its
most suspicious lines, and a class seen there in more of the parent's unresolved tasks is
likelier to be drawn. The log is the agent's own output, so it is read with a strict pattern and
only names of the grammar count.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from godelbox.proposer.base import TaskEvidence
from godelbox.proposer.code.source import AgentCode, Candidate, Module, compiles

KIND = "grammar"
FAMILIES = (ast.cmpop, ast.operator, ast.boolop, ast.unaryop)
FAMILY: dict[str, list[str]] = {
    cls.__name__: [sibling.__name__ for sibling in base.__subclasses__()]
    for base in FAMILIES
    for cls in base.__subclasses__()
}
"""Every operator class of the grammar -> its family, in declaration order."""
EVIDENCE_WEIGHT = 4.0
"""A class on the suspicious lines of every unresolved task is this much likelier (plus one)."""
SUSPECT_LINE = re.compile(r"^  \S+:\d+ score=\S+ operators=([A-Za-z,]{1,400})$", re.MULTILINE)
"""How the repair agent logs one suspicious line (agents/repair/run.py)."""


@dataclass(frozen=True)
class Table:
    name: str
    node: ast.Dict
    entries: dict[str, list[str]]
    lists: dict[str, ast.List | ast.Tuple]


def candidates(agent: AgentCode, tasks: Iterable[TaskEvidence]) -> list[Candidate]:
    seen = operator_evidence(tasks)
    out: list[Candidate] = []
    for module in agent.modules.values():
        for table in tables(module):
            out.extend(_new_entries(module, table, seen))
            out.extend(_widenings(module, table, seen))
            out.extend(_new_families(module, table, seen))
    return out


def operator_evidence(tasks: Iterable[TaskEvidence]) -> dict[str, float]:
    """Operator class -> the share of the unresolved tasks whose suspicious lines held it."""
    counts: Counter[str] = Counter()
    unresolved = 0
    for task in tasks:
        if task.outcome == "resolved":
            continue
        unresolved += 1
        names = {
            name
            for listed in SUSPECT_LINE.findall(task.log)
            for name in listed.split(",")
            if name in FAMILY
        }
        counts.update(names)
    return {name: count / unresolved for name, count in counts.items()}


def tables(module: Module) -> Iterator[Table]:
    for stmt in module.tree.body:
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Dict)
            and stmt.value.keys
        ):
            continue
        table = _table(stmt.targets[0].id, stmt.value)
        if table is not None:
            yield table


def _table(name: str, node: ast.Dict) -> Table | None:
    entries: dict[str, list[str]] = {}
    lists: dict[str, ast.List | ast.Tuple] = {}
    for key, value in zip(node.keys, node.values, strict=True):
        if not (_names_class(key) and isinstance(value, ast.List | ast.Tuple)):
            return None
        if not all(_names_class(e) for e in value.elts):
            return None
        cls = key.value  # type: ignore[union-attr]
        targets = [e.value for e in value.elts]  # type: ignore[attr-defined]
        if any(t not in FAMILY[cls] for t in targets):
            return None
        entries[cls], lists[cls] = targets, value
    return Table(name, node, entries, lists)


def _names_class(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in FAMILY


def neighbours(cls: str) -> list[str]:
    family = FAMILY[cls]
    at = family.index(cls)
    return [family[i] for i in (at - 1, at + 1) if 0 <= i < len(family)]


def by_distance(cls: str) -> list[str]:
    """The other classes of `cls`'s family, nearest in declaration order first."""
    family = FAMILY[cls]
    at = family.index(cls)
    order = sorted((i for i in range(len(family)) if i != at), key=lambda i: (abs(i - at), i))
    return [family[i] for i in order]


def _nearest_missing(cls: str, have: list[str]) -> str | None:
    return next((sibling for sibling in by_distance(cls) if sibling not in have), None)


def _weight(cls: str, seen: dict[str, float]) -> float:
    return 1.0 + EVIDENCE_WEIGHT * seen.get(cls, 0.0)


def _new_entries(module: Module, table: Table, seen: dict[str, float]) -> Iterator[Candidate]:
    for cls in FAMILY:
        if cls in table.entries:
            continue
        targets = neighbours(cls)
        description = f"{module.path}: {table.name} gains {cls} -> {', '.join(targets)}"

        def make(cls: str = cls, targets: list[str] = targets) -> dict[str, str] | None:
            files = {module.path: _with_entries(module, table, [(cls, targets)])}
            return files if compiles(files) else None

        yield Candidate("new_entry", description, make, _weight(cls, seen))


def _widenings(module: Module, table: Table, seen: dict[str, float]) -> Iterator[Candidate]:
    for cls, targets in table.entries.items():
        new = _nearest_missing(cls, targets)
        listed = table.lists[cls]
        if new is None or not listed.elts:
            continue
        description = f"{module.path}: {table.name}[{cls!r}] gains {new}"

        def make(listed: ast.List | ast.Tuple = listed, new: str = new) -> dict[str, str] | None:
            files = {module.path: module.insert_after(listed.elts[-1], f", {json.dumps(new)}")}
            return files if compiles(files) else None

        yield Candidate("widen_entry", description, make, _weight(cls, seen))


def _new_families(module: Module, table: Table, seen: dict[str, float]) -> Iterator[Candidate]:
    for base in FAMILIES:
        missing = [c.__name__ for c in base.__subclasses__() if c.__name__ not in table.entries]
        if not missing:
            continue
        # The same words whichever classes are missing: a screen names the family
        # (`godelbox.loop.planning`), and the diff shows the classes.
        description = (
            f"{module.path}: {table.name} gains the {base.__name__} family: every class it "
            "lacks -> all their siblings"
        )

        def make(missing: list[str] = missing) -> dict[str, str] | None:
            entries = [(cls, by_distance(cls)) for cls in missing]
            files = {module.path: _with_entries(module, table, entries)}
            return files if compiles(files) else None

        weight = max(_weight(cls, seen) for cls in missing)
        yield Candidate("new_family", description, make, weight)


def _with_entries(module: Module, table: Table, entries: list[tuple[str, list[str]]]) -> str:
    """The module with `"cls": [targets]` entries after the table's last one: one per line when
    the table is written one entry per line, else inline."""
    texts = [f"{json.dumps(cls)}: {json.dumps(targets)}" for cls, targets in entries]
    last_value = table.node.values[-1]
    closing_line = table.node.end_lineno or table.node.lineno
    if closing_line > (last_value.end_lineno or 0):
        last_key = table.node.keys[-1]
        assert last_key is not None
        line_start = module.line_start(closing_line)
        indent = module.indent_of(last_key)  # type: ignore[arg-type]
        lines = "".join(f"{indent}{text},\n" for text in texts)
        return module.text[:line_start] + lines + module.text[line_start:]
    return module.insert_after(last_value, "".join(f", {text}" for text in texts))
