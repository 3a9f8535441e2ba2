"""Unified diffs as data: split by file, drop what the grader must not take, apply robustly.

Integrity starts here. An agent's answer is a diff; before grading, every file section that
touches a test file or a file that steers pytest (conftest.py, pytest.ini, a module shadowing
pytest, ...) is dropped and recorded as tampering, so those files are exactly the pristine ones
when the hidden tests run. The remaining diff is applied inside the grading sandbox by
`APPLY_SCRIPT`: `git apply`, then `git apply --3way`, then `patch --fuzz`, resetting the tree
between attempts so a half-applied patch never reaches the tests.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")

TEST_DIR_NAMES = frozenset({"tests", "test", "testing"})
PYTEST_CONTROL_NAMES = frozenset(
    {
        "conftest.py",
        "pytest.ini",
        ".pytest.ini",
        "tox.ini",
        "pytest.py",
        "sitecustomize.py",
        "usercustomize.py",
    }
)
"""Files that change how pytest collects or reports, wherever they are in the tree."""
PYTEST_CONTROL_DIRS = frozenset({"_pytest", "pytest", "pluggy", "__pycache__", ".pytest_cache"})


@dataclass(frozen=True)
class FilePatch:
    """One file's section of a unified diff (headers and hunks, verbatim)."""

    old_path: str | None
    """Path before the change; None for a created file."""
    new_path: str | None
    """Path after the change; None for a deleted file."""
    text: str

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for p in (self.old_path, self.new_path) if p))


@dataclass(frozen=True)
class Filtered:
    patch: str
    tampering: list[str]


def split_patch(text: str) -> list[FilePatch]:
    """Split a unified diff (git-style or plain ---/+++) into per-file sections.

    Hunk bodies are consumed by their line counts, so a removed line that itself starts with
    "-- " is never mistaken for the next file's header. Text before the first header (a commit
    message) is dropped.
    """
    lines = text.splitlines(keepends=True)
    sections: list[list[str]] = []
    git_header: list[str | None] = []
    """Per section: the old path of its `diff --git` header, None for a plain section."""
    seen_new_header: list[bool] = []
    old_left = new_left = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if old_left > 0 or new_left > 0:
            tag = line[:1]
            if tag in (" ", "\n", "\r"):
                old_left, new_left = old_left - 1, new_left - 1
            elif tag == "-":
                old_left -= 1
            elif tag == "+":
                new_left -= 1
            elif tag != "\\":
                old_left = new_left = 0
                continue
            sections[-1].append(line)
            i += 1
            continue
        starts_plain = (
            line.startswith("--- ")
            and i + 1 < len(lines)
            and lines[i + 1].startswith("+++ ")
            and (
                not sections
                or git_header[-1] is None
                or seen_new_header[-1]
                or _diff_path(line[4:]) not in (git_header[-1], None)
            )
        )
        if line.startswith("diff --git ") or starts_plain:
            sections.append([])
            git_header.append(
                (_git_header_paths(line[11:])[0] or "") if line.startswith("diff --git ") else None
            )
            seen_new_header.append(False)
        elif line.startswith("+++ ") and sections:
            seen_new_header[-1] = True
        elif (match := _HUNK.match(line)) and sections:
            old_left = int(match.group(1)) if match.group(1) is not None else 1
            new_left = int(match.group(2)) if match.group(2) is not None else 1
        if sections:
            sections[-1].append(line)
        i += 1
    return [_file_patch("".join(section)) for section in sections]


def _file_patch(text: str) -> FilePatch:
    old = new = None
    header_old = header_new = None
    for line in text.splitlines():
        if line.startswith("diff --git "):
            header_old, header_new = _git_header_paths(line[len("diff --git ") :])
        elif line.startswith("rename from ") or line.startswith("copy from "):
            old = line.split(" from ", 1)[1].strip()
        elif line.startswith("rename to ") or line.startswith("copy to "):
            new = line.split(" to ", 1)[1].strip()
        elif line.startswith("--- ") and old is None:
            old = _diff_path(line[4:])
        elif line.startswith("+++ ") and new is None:
            new = _diff_path(line[4:])
        elif line.startswith("@@"):
            break
    if "new file mode" in text and old in (None, header_old):
        old = None
    elif old is None and header_old and "--- /dev/null" not in text:
        old = header_old
    if "deleted file mode" in text and new in (None, header_new):
        new = None
    elif new is None and header_new and "+++ /dev/null" not in text:
        new = header_new
    return FilePatch(old_path=old, new_path=new, text=text)


def _git_header_paths(rest: str) -> tuple[str | None, str | None]:
    """Paths of a `diff --git X Y` header. Prefixes vary (`git diff --no-index` writes `b/f b/f`
    for a new file and `a/f a/f` for a deleted one), so any one-letter prefix is stripped."""
    rest = rest.strip()
    half = (len(rest) - 1) // 2
    if len(rest) % 2 == 1 and rest[half] == " ":
        left, right = _strip_prefix(rest[:half]), _strip_prefix(rest[half + 1 :])
        if left == right:
            return left, right
    for sep in (" b/", " a/"):
        if rest[:2] in ("a/", "b/") and sep in rest:
            old, new = rest.split(sep, 1)
            return old[2:], new
    return None, None


def _strip_prefix(path: str) -> str:
    return path[2:] if len(path) > 2 and path[1] == "/" and path[0] in "abciwo" else path


def _diff_path(raw: str) -> str | None:
    path = raw.rstrip("\r\n").split("\t", 1)[0].strip()
    if path.startswith('"') and path.endswith('"'):
        path = path[1:-1]
    if path == "/dev/null":
        return None
    if path.startswith(("a/", "b/")):
        path = path[2:]
    return path


def join_patch(sections: Iterable[FilePatch]) -> str:
    return "".join(s.text if s.text.endswith("\n") else s.text + "\n" for s in sections)


def is_test_path(path: str) -> bool:
    """A test file by the usual pytest conventions: under tests/ (test/, testing/), or named
    test_*.py / *_test.py."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    return (
        # The last part too: replacing the tests/ directory with a file or symlink is tampering.
        any(part in TEST_DIR_NAMES for part in parts)
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
    )


def pytest_control_reason(path: str) -> str | None:
    """Why `path` would let an answer steer pytest itself, or None."""
    parts = PurePosixPath(path).parts
    if not parts:
        return None
    if parts[-1] in PYTEST_CONTROL_NAMES or parts[-1].endswith(".pth"):
        return f"{path}: changes how pytest runs"
    if any(part in PYTEST_CONTROL_DIRS for part in parts[:-1]):
        return f"{path}: shadows pytest or its caches"
    return None


Guard = Callable[[str], str | None]
"""path -> reason the answer may not change it (None = allowed)."""


def swebench_guard(test_patch_paths: Iterable[str]) -> Guard:
    """SWE-bench rule: hidden-test paths, test files and pytest control files are off limits."""
    hidden = frozenset(test_patch_paths)

    def guard(path: str) -> str | None:
        if path in hidden:
            return f"{path}: hidden test file"
        if is_test_path(path):
            return f"{path}: test file"
        return pytest_control_reason(path)

    return guard


def allowlist_guard(allowed: Iterable[str]) -> Guard:
    """Polyglot rule: only the exercise's solution files may change."""
    ok = frozenset(allowed)

    def guard(path: str) -> str | None:
        return None if path in ok else f"{path}: not a solution file"

    return guard


def drop_guarded(patch: str, guard: Guard) -> Filtered:
    """Keep the file sections every path of which `guard` allows; record the others."""
    kept: list[FilePatch] = []
    tampering: list[str] = []
    for section in split_patch(patch):
        reasons = [r for r in (guard(p) for p in section.paths) if r]
        if not section.paths:
            reasons = ["a diff section naming no file"]
        if reasons:
            tampering.extend(f"dropped change to {r}" for r in reasons)
        else:
            kept.append(section)
    return Filtered(patch=join_patch(kept), tampering=tampering)


_PYTEST_REACH = re.compile(
    r"\b(_pytest|pluggy|pytest_runtest_\w+|pytest_collection\w*|pytest_sessionfinish|"
    r"pytest_configure|pytest_plugins|hookimpl)\b|\bimport\s+pytest\b|\bfrom\s+pytest\b|"
    r"[\"']pytest[\"']"
)


def pytest_reach(patch: str) -> list[str]:
    """Non-test files whose added lines name pytest or its internals.

    Code under test runs inside the pytest process, so a library module could rewrite test
    reports at import time. An honest fix has no reason to mention pytest outside test files;
    an answer that does is failed and the lines are recorded as tampering. (Static and
    therefore not a proof against obfuscation; it closes the direct route.)"""
    found = []
    for section in split_patch(patch):
        path = section.new_path or section.old_path or ""
        if is_test_path(path):
            continue
        for line in section.text.splitlines():
            if line.startswith("+") and not line.startswith("+++") and _PYTEST_REACH.search(line):
                found.append(f"{path}: reaches into pytest from code under test: {line[1:80]}")
                break
    return found


def touched_paths(patch: str) -> list[str]:
    return list(dict.fromkeys(p for s in split_patch(patch) for p in s.paths))


APPLIED_MARK = "GODELBOX-APPLIED"
FAILED_MARK = "GODELBOX-APPLY-FAILED"

APPLY_SCRIPT = f"""\
# Apply the patch file $1 to the git work tree in the current directory, trying strategies from
# strict to lenient; reset the tree after every failed attempt so nothing is half-applied.
set -u
p="$1"
reset_tree() {{ git reset -q --hard HEAD >/dev/null 2>&1; git clean -fdq >/dev/null 2>&1; }}
if [ ! -s "$p" ]; then echo "{APPLIED_MARK} empty"; exit 0; fi
if git apply --whitespace=nowarn "$p"; then echo "{APPLIED_MARK} git-apply"; exit 0; fi
reset_tree
if git apply --3way --whitespace=nowarn "$p"; then echo "{APPLIED_MARK} git-apply-3way"; exit 0; fi
reset_tree
if patch --batch --forward --fuzz=5 -p1 --no-backup-if-mismatch --reject-file=/dev/null \\
      < "$p"; then
  echo "{APPLIED_MARK} patch-fuzz"; exit 0
fi
reset_tree
echo "{FAILED_MARK}"
exit 1
"""
"""Run as `bash -c APPLY_SCRIPT apply PATCHFILE` with the repository as working directory."""


@dataclass(frozen=True)
class ApplyOutcome:
    applied: bool
    strategy: str
    """empty | git-apply | git-apply-3way | patch-fuzz | "" when it failed."""
    output: str


def read_apply_output(output: str) -> ApplyOutcome:
    for line in reversed(output.splitlines()):
        if line.startswith(APPLIED_MARK):
            return ApplyOutcome(True, line[len(APPLIED_MARK) :].strip(), output)
        if line.startswith(FAILED_MARK):
            break
    return ApplyOutcome(False, "", output)


def file_diff(path: str, old: str, new: str) -> str:
    """A `git apply` diff from `old` to `new` ("" old: a new file)."""
    head = f"diff --git a/{path} b/{path}\n"
    if not old:
        head += "new file mode 100644\n"
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        "/dev/null" if not old else f"a/{path}",
        f"b/{path}",
    )
    return head + "".join(lines)
