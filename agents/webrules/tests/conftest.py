"""The rule agent's own suite: offline, no browser (`python3 -m pytest -q -x tests` from the
agent directory); it runs in a sandbox whenever a descendant is validated."""

from __future__ import annotations

import sys
from pathlib import Path

AGENT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(AGENT_DIR))  # the agent's modules are flat files next to run.py
