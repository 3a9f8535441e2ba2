"""A non-editable install ships only the packages `pyproject.toml` lists: a new subpackage left
out of that list works in the dev venv (editable) and is missing for every user."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP = {"tasks", "templates", "tests", "combined_agent", "polyglot_extra", "agent_client"}
"""Data folders shipped as package data, never imported as packages."""


def _listed() -> tuple[set[str], dict[str, str]]:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(setuptools["packages"]), setuptools["package-dir"]


def test_every_package_is_listed() -> None:
    packages, dirs = _listed()
    found = set()
    for name, folder in dirs.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if SKIP & set(rel.parts) or "__pycache__" in rel.parts:
                continue
            found.add(".".join([name, *rel.parts]))
    assert found - packages == set(), "add these to [tool.setuptools] packages"
    assert packages - found == set(), "these listed packages have no __init__.py"
