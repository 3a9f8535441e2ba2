"""Fixtures for the archive tests: a fresh run dir with the real SQLite database and git store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """An empty run created with the default configuration."""
    with Archive.create(tmp_path / "run", dump_toml(Config())) as created:
        yield created
