"""The agent's own suite runs inside the sandbox with no network and no model:
`python3 -m pytest -q -x tests` from the agent directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

AGENT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(AGENT_DIR))  # the agent's modules are flat files next to run.py

from scripted import git  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A committed git repository with a one-line bug and a test that shows it."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "test_calc.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base")
    return root
