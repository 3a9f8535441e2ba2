"""Fixtures for tests of the loop's phases on a hand-built archive (see nodes.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import JsonReporter
from godelbox.loop.stopping import StopRequest
from godelbox.trash import Trash


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    with Archive.create(tmp_path / "run", dump_toml(Config())) as archive:
        yield archive


@pytest.fixture
def books(archive: Archive, tmp_path: Path) -> Bookkeeper:
    return Bookkeeper(
        archive, JsonReporter(io.StringIO()), tmp_path / "scratch", Trash(), StopRequest()
    )
