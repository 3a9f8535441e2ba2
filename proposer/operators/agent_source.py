"""The repair agent's source as the operators see it: its config constants and its plug-in
modules, plus the one kind of edit they make to config.py (rewrite a constant in place).

Edits are textual and local (the assignment's value is replaced, comments and docstrings stay),
so a child's diff reads like a person's one-line change.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from godelbox import python_ast
from godelbox.errors import UserError

CONFIG = "config.py"
TEMPLATES = Path(__file__).resolve().parent / "templates"


class NotARepairAgentError(UserError):
    """The parent is not an offline repair agent, so operators have nothing to edit."""


@dataclass(frozen=True)
class AgentSource:
    root: Path
    config_text: str
    constants: dict[str, Any]
    mutator_modules: frozenset[str]
    extractor_modules: frozenset[str]

    @classmethod
    def read(cls, root: Path) -> AgentSource:
        path = root / CONFIG
        if not path.is_file():
            raise NotARepairAgentError(
                f"{root} has no {CONFIG}: the offline operators only edit the repair agent "
                "(agents/repair); configure a model (proposer.mode = 'llm') for other agents"
            )
        text = path.read_text(encoding="utf-8")
        return cls(
            root=root,
            config_text=text,
            constants={name: value for name, (value, _node) in _assignments(text).items()},
            mutator_modules=_modules(root / "mutators"),
            extractor_modules=_modules(root / "extractors"),
        )

    def get(self, name: str) -> Any:
        if name not in self.constants:
            raise NotARepairAgentError(f"{self.root / CONFIG} does not define {name}")
        return self.constants[name]

    def set(self, name: str, value: Any) -> str:
        """config.py's text with constant `name` set to `value`."""
        node = _assignments(self.config_text)[name][1]
        lines = self.config_text.splitlines(keepends=True)
        start = sum(len(line) for line in lines[: node.lineno - 1]) + node.col_offset
        end = sum(len(line) for line in lines[: node.end_lineno - 1]) + node.end_col_offset
        return self.config_text[:start] + literal(value) + self.config_text[end:]


def template(kind: str, name: str) -> str:
    """Source text of a template module (kind: mutators or extractors)."""
    return (TEMPLATES / kind / f"{name}.py").read_text(encoding="utf-8")


def templates(kind: str) -> list[str]:
    return sorted(path.stem for path in (TEMPLATES / kind).glob("*.py"))


def literal(value: Any) -> str:
    """A Python literal in the agent's own style (double-quoted strings)."""
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def _assignments(text: str) -> dict[str, tuple[Any, ast.expr]]:
    found: dict[str, tuple[Any, ast.expr]] = {}
    for stmt in python_ast.parse(text).body:
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            try:
                found[stmt.targets[0].id] = (ast.literal_eval(stmt.value), stmt.value)
            except ValueError:
                continue
    return found


def _modules(directory: Path) -> frozenset[str]:
    if not directory.is_dir():
        return frozenset()
    return frozenset(p.stem for p in directory.glob("*.py") if p.stem != "__init__")
