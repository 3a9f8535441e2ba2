"""Reproduction: write the problem statement's checks as one test file outside the repository.

The file is both a pytest module (one test per check, so coverage is recorded per check) and a
script (`python3 FILE` runs every check and exits non-zero at the first failure), which is the
cheap first screen for each candidate edit.
"""

from __future__ import annotations

from pathlib import Path

import extractors

TEMPLATE = '''"""Checks taken from the problem statement by the repair agent."""

import sys

CHECKS = {checks!r}


def _run(index):
    namespace = {{"__name__": "__repro__"}}
    exec(compile(CHECKS[index], "<problem check %d>" % index, "exec"), namespace)

{tests}

if __name__ == "__main__":
    for _index in range(len(CHECKS)):
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
        f"def test_godelbox_repro_check_{i}():\n    _run({i})\n\n" for i in range(len(checks))
    )
    path = directory / "test_godelbox_repro.py"
    path.write_text(TEMPLATE.format(checks=checks, tests=tests), encoding="utf-8")
    return path
