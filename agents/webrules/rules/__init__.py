"""Rules: each module under rules/ has `act(page, memory) -> action or None` and `EXAMPLES`
(observation, expected action) pairs that the agent's own tests check. `memory` is a dict that
lives for one episode (one process), for rules that act over several steps."""

from __future__ import annotations

import importlib
from types import ModuleType


def load(name: str) -> ModuleType:
    return importlib.import_module(f"rules.{name}")
