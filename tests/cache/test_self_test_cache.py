"""A child's sandbox checks (compile, import, its own tests) served from the evaluation cache:
the same tree in the same sandbox is tested once, another tree or image runs again, a failure is
served with its reason, a timeout is never stored. A stand-in backend records each command."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from godelbox.evaluator.cache import EvalCache
from godelbox.evaluator.context import EvalContext
from godelbox.proposer.validate import cached_self_test
from godelbox.sandbox.base import ExecResult


@dataclass
class Box:
    backend: FakeBackend

    def __enter__(self) -> Box:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def copy_in(self, src: Path, dest: str) -> None:
        self.backend.trees.append((src / "agent.py").read_text())

    def run(self, argv, timeout_s, **_kwargs) -> ExecResult:
        self.backend.commands.append(list(argv))
        ended = self.backend.ended if "pytest" in argv else "exit"
        code = self.backend.exit_code if "pytest" in argv else 0
        return ExecResult(code if ended == "exit" else None, "", "1 failed", 0.1, ended)


@dataclass
class FakeBackend:
    images: dict[str, str]
    name: str = "docker"
    commands: list[list[str]] = field(default_factory=list)
    trees: list[str] = field(default_factory=list)
    exit_code: int = 0
    ended: str = "exit"

    def start(self, spec) -> Box:
        return Box(self)

    def image_identity(self, image: str) -> str | None:
        return self.images.get(image)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[FakeBackend, EvalContext, Path]:
    backend = FakeBackend({"img:latest": "sha256:aaa"})
    ctx = EvalContext(backend=backend, image="img:latest", labels={"run": "r"})  # type: ignore[arg-type]
    child = tmp_path / "child"
    child.mkdir()
    (child / "agent.py").write_text("X = 1\n")
    return backend, ctx, child


def test_the_same_child_is_tested_once(tmp_path: Path, setup) -> None:
    backend, ctx, child = setup
    check = cached_self_test(EvalCache(tmp_path / "cache"))
    assert check(child, ctx, 60.0) is None
    runs = len(backend.commands)
    assert runs == 3
    assert check(child, ctx, 60.0) is None
    assert len(backend.commands) == runs, "served, not run"

    (child / "agent.py").write_text("X = 2\n")
    assert check(child, ctx, 60.0) is None
    assert len(backend.commands) == 2 * runs, "another tree is tested"
    backend.images["img:latest"] = "sha256:rebuilt"
    assert check(child, ctx, 60.0) is None
    assert len(backend.commands) == 3 * runs, "another image is tested"
    assert check(child, ctx, 30.0) is None
    assert len(backend.commands) == 4 * runs, "another time limit is tested"


def test_a_failure_is_served_with_its_reason_and_a_timeout_runs_again(
    tmp_path: Path, setup
) -> None:
    backend, ctx, child = setup
    check = cached_self_test(EvalCache(tmp_path / "cache"))
    backend.exit_code = 1
    failed = check(child, ctx, 60.0)
    assert failed is not None and failed.startswith("own tests failed")
    backend.exit_code = 0  # were it run again, it would pass
    assert check(child, ctx, 60.0) == failed

    (child / "agent.py").write_text("X = 3\n")
    backend.ended = "timeout"
    assert "timed out" in (check(child, ctx, 60.0) or "")
    backend.ended = "exit"
    assert check(child, ctx, 60.0) is None, "a timeout is not stored: the child is tested again"
