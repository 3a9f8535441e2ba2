"""Doctest sessions (`>>>` lines and their expected output) anywhere in the problem statement,
fenced or not, turned into one check that runs them with the doctest module. When the session
does not import what it uses, the repository's top-level modules are star-imported first."""

from __future__ import annotations

import re

PROMPT = re.compile(r"^[ \t]*>>> ", re.MULTILINE)

CHECK = """import doctest, os, pkgutil

session = {session!r}
names = {{}}
for info in pkgutil.iter_modules(["."]):
    if info.name.startswith("test") or info.name in ("setup", "conftest"):
        continue
    try:
        exec("from %s import *" % info.name, names)
    except Exception:
        pass
test = doctest.DocTestParser().get_doctest(session, names, "problem", None, 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
runner.run(test, out=lambda text: None)
assert runner.failures == 0, "the problem statement's doctest still fails"
"""


def extract(problem: str) -> list[str]:
    """One check per paragraph that holds a `>>>` session."""
    checks = []
    for session in _sessions(problem):
        checks.append(CHECK.format(session=session))
    return checks


def _sessions(problem: str) -> list[str]:
    sessions: list[list[str]] = []
    current: list[str] | None = None
    for line in problem.splitlines():
        stripped = line.strip()
        if PROMPT.match(line) or (current is not None and stripped.startswith("...")):
            if current is None:
                current = []
                sessions.append(current)
            current.append(stripped)
        elif current is not None and stripped and not stripped.startswith("```"):
            current.append(stripped)
        else:
            current = None
    return ["\n".join(lines) + "\n" for lines in sessions if lines]
