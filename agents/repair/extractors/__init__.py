"""Reproduction extractors: turn a problem statement into runnable Python checks.

One module per source, selected by name in config.REPRO_SOURCES. Each defines
`extract(problem: str) -> list[str]`: Python snippets that raise (an assert, an exception) while
the bug is present and run cleanly once it is fixed. They run with the repository's root as the
working directory and on sys.path, in a namespace holding the repository's public names and the
helpers of repro.TEMPLATE (`_expect`, `_expect_text`, `_expect_raises`). Modules whose name
starts with an underscore are shared helpers, not sources.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def load(name: str) -> ModuleType:
    if name not in available():
        raise ValueError(f"unknown extractor {name!r}; available: {', '.join(available())}")
    return importlib.import_module(f"{__name__}.{name}")


def available() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name[0] != "_")
