"""Mutation operators: one module per operator, selected by name in config.MUTATORS.

Each module defines `mutate(site) -> Iterator[Edit]` (candidate edits of one suspicious line) and
`EXAMPLE = (buggy_source, line, fixed_source)`, which the agent's own tests use to check that the
operator can produce that fix. New operators are added by dropping a module here.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def load(name: str) -> ModuleType:
    """The operator module `name`; a clear error when it does not exist."""
    if name not in available():
        raise ValueError(f"unknown mutator {name!r}; available: {', '.join(available())}")
    return importlib.import_module(f"{__name__}.{name}")


def available() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__))
