"""The markers follow the fixtures: a test that needs docker however indirectly is marked
`docker`, so `-m "not docker"` (and `make unit`) is a docker-free run without anyone marking it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.fixtures.needs import needed_markers

REPO = Path(__file__).resolve().parents[1]

CONFTEST = """
import pytest

pytest_plugins = ["tests.fixtures.needs"]


@pytest.fixture
def docker_engine():
    raise AssertionError("collected only: never set up")


@pytest.fixture
def eval_ctx(docker_engine):
    return docker_engine


@pytest.fixture
def local_model():
    raise AssertionError("collected only: never set up")
"""

TESTS = """
import pytest


def test_plain():
    pass


def test_indirect(eval_ctx):
    pass


@pytest.mark.parametrize("n", [1, 2])
def test_param_model(n, local_model):
    pass


def test_both(eval_ctx, local_model):
    pass
"""


def collect(root: Path, expression: str) -> set[str]:
    args = ["--collect-only", "-q", "-p", "no:cacheprovider", "-m", expression, str(root)]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode in (0, 5), done.stdout + done.stderr  # 5: nothing selected
    return {line.split("::", 1)[1] for line in done.stdout.splitlines() if "::" in line}


def test_markers_follow_the_fixture_closure(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_sample.py").write_text(TESTS, encoding="utf-8")
    assert collect(tmp_path, "not docker and not model") == {"test_plain"}
    assert collect(tmp_path, "docker") == {"test_indirect", "test_both"}
    assert collect(tmp_path, "model and not docker") == {
        "test_param_model[1]",
        "test_param_model[2]",
    }


def test_each_marker_names_what_it_needs() -> None:
    assert needed_markers(["tmp_path", "docker_backend", "docker_engine"]) == {"docker"}
    assert needed_markers(["backend"]) == {"docker"}, "picked at run time, so named"
    assert needed_markers(["web_image", "docker_engine"]) == {"browser", "docker"}
    assert needed_markers(["scratch_fs", "postgres_server"]) == {"root"}
    assert needed_markers(["local_model"]) == {"model"}
    assert needed_markers(["tmp_path", "fake_llm"]) == set()


def test_tests_of_a_one_per_machine_thing_share_a_worker(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_sample.py").write_text(TESTS, encoding="utf-8")
    assert collect(tmp_path, "xdist_group") == {
        "test_param_model[1]",
        "test_param_model[2]",
        "test_both",
    }
