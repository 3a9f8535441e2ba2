"""Reproduction: write the problem statement's checks as one test file outside the repository.

The file is both a pytest module (one test per check, so coverage is recorded per check) and a
script (`python3 FILE [INDEX ...]` runs those checks and exits non-zero at the first failure),
which is the cheap first screen for each candidate edit.

Checks run in a namespace that already holds the public names of every repository module (issues
written in prose or as transcripts call functions without importing them) and the helpers
`_expect`, `_expect_text`, `_expect_raises` and `_expect_not_raises` that extractors use to state
expected values. A check that fails because it names something the repository does not have
(NameError, ImportError) was extracted wrongly: pytest skips it, so it is neither a failing nor a
passing test.
"""

from __future__ import annotations

from pathlib import Path

import extractors

TEMPLATE = '''"""Checks taken from the problem statement by the repair agent."""

import importlib
import math
import os
import pkgutil
import sys

CHECKS = {checks!r}
SKIP_DIRS = {{"test", "tests", "testing", "docs", "examples", "build", "dist"}}
MAX_MODULES = 200
_names = None


def _repository_names():
    """Public names of the repository's modules, packages first, first definition wins."""
    global _names
    if _names is not None:
        return _names
    _names = {{}}
    modules = []
    roots = [os.getcwd()] + [os.path.join(os.getcwd(), "src")] * os.path.isdir("src")
    todo = [(info.name, info.ispkg) for info in pkgutil.iter_modules(roots)]
    seen = 0
    while todo and seen < MAX_MODULES:
        name, is_package = todo.pop(0)
        leaf = name.rsplit(".", 1)[-1]
        if leaf in SKIP_DIRS or leaf.startswith(("test_", "_")) or leaf in ("setup", "conftest"):
            continue
        seen += 1
        try:
            module = importlib.import_module(name)
        except BaseException:
            continue
        modules.append((leaf, module))
        for key, value in vars(module).items():
            if not key.startswith("_"):
                _names.setdefault(key, value)
        if is_package:
            todo.extend(
                (name + "." + info.name, info.ispkg)
                for info in pkgutil.iter_modules(getattr(module, "__path__", []))
            )
    for leaf, module in modules:
        _names.setdefault(leaf, module)
    return _names


def _expect(actual, expected):
    if actual == expected:
        return
    numbers = (int, float)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        if math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-9):
            return
    raise AssertionError("expected %r, got %r" % (expected, actual))


def _expect_text(actual, text):
    if str(actual).strip() == text.strip() or repr(actual) == text.strip():
        return
    raise AssertionError("expected %s, got %r" % (text, actual))


def _expect_raises(name, action):
    try:
        action()
    except BaseException as exc:
        if any(cls.__name__ == name for cls in type(exc).__mro__):
            return
        raise AssertionError("expected %s, got %s: %s" % (name, type(exc).__name__, exc))
    raise AssertionError("expected %s to be raised" % name)


def _expect_not_raises(name, action):
    """The reported exception is the bug; another (deliberate) exception is not."""
    try:
        action()
    except BaseException as exc:
        if any(cls.__name__ == name for cls in type(exc).__mro__):
            raise AssertionError("still raises %s: %s" % (name, exc))


def _run(index):
    namespace = dict(_repository_names())
    namespace.update(
        __name__="__repro__", _expect=_expect, _expect_text=_expect_text,
        _expect_raises=_expect_raises, _expect_not_raises=_expect_not_raises,
    )
    exec(compile(CHECKS[index], "<problem check %d>" % index, "exec"), namespace)


def _pytest_run(index):
    try:
        _run(index)
    except (NameError, ImportError) as exc:
        import pytest

        pytest.skip("the check names something the repository lacks: %s" % exc)

{tests}

if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    for _index in [int(arg) for arg in sys.argv[1:]] or range(len(CHECKS)):
        _run(_index)
    sys.exit(0)
'''


def extract(problem: str, sources: list[str]) -> list[str]:
    """Checks from every configured source, in order, without duplicates."""
    checks: list[str] = []
    for name in sources:
        for check in extractors.load(name).extract(problem):
            if check not in checks:
                checks.append(check)
    return checks


def write(checks: list[str], directory: Path) -> Path:
    tests = "\n".join(
        f"def test_godelbox_repro_check_{i}():\n    _pytest_run({i})\n\n"
        for i in range(len(checks))
    )
    path = directory / "test_godelbox_repro.py"
    path.write_text(TEMPLATE.format(checks=checks, tests=tests), encoding="utf-8")
    return path


def index_of(test_id: str) -> int:
    """The check a reproduction test id stands for."""
    return int(test_id.rsplit("_", 1)[-1])
