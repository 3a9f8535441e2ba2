"""Fixtures for the view tests: archives built with the real Archive API and real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from godelbox.views.synthetic_archive import BuiltArchive, build_archive


@pytest.fixture(scope="session")
def generated_archive(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    """A 40-node archive shared by tests that only read it."""
    return build_archive(tmp_path_factory.mktemp("views") / "run", n_nodes=40, seed=7)


@pytest.fixture
def fresh_archive(tmp_path: Path) -> BuiltArchive:
    """A small archive of its own, for tests that add nodes while a view watches."""
    return build_archive(tmp_path / "run", n_nodes=12, seed=3)
