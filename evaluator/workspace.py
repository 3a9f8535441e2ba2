"""Host-side handling of task workspaces: pristine trees and the diff an agent leaves.

The agent's answer is computed on the host by comparing two plain directory trees, the pristine
snapshot and what the agent left, with `git diff --no-index`. The agent's own `.git` is deleted
from the copy first and git runs with no system or global config, outside any repository, so
nothing the agent wrote into its repository (config, hooks, attributes, a rewritten HEAD) can
influence the host or the answer.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from godelbox import trees
from godelbox.errors import UserError
from godelbox.sandbox.process import read_capped

JUNK_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
JUNK_SUFFIXES = (".pyc", ".pyo")
JUNK = (*sorted(JUNK_DIRS), *(f"*{suffix}" for suffix in JUNK_SUFFIXES))
"""The same, as the glob patterns `Sandbox.copy_out(skip=...)` takes."""

SAFE_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ATTR_NOSYSTEM": "1",
}


MAX_DIFF_BYTES = 16 * 1024 * 1024
DIFF_TIMEOUT_S = 300.0


class WorkspaceError(UserError):
    """A task workspace could not be prepared or compared."""


class DiffTooLarge(WorkspaceError):
    """An answer's diff passed the size or time bound: the agent's doing, not the harness's."""


def git_env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(SAFE_GIT_ENV)
    if home is not None:
        env["HOME"] = str(home)
    return env


def plain_copy(src: Path, dest: Path) -> Path:
    """Copy a workspace without its VCS metadata and caches (symlinks copied as links)."""
    return trees.copy(src, dest, ignore=_junk)


def plain_view(src: Path, dest: Path) -> Path:
    """`plain_copy` for a tree that is only ever read (one side of a diff, a tree packed into a
    sandbox): files are hard links where the filesystem allows, which spares copying their
    bytes and metadata. Never write into a view: the write would change `src`."""
    return trees.copy(src, dest, ignore=_junk, copy_file=_link_or_copy)


def full_view(src: Path, dest: Path) -> Path:
    """`plain_view` keeping everything, `.git` included."""
    return trees.copy(src, dest, copy_file=_link_or_copy)


def _junk(_directory: str, names: list[str]) -> list[str]:
    return [n for n in names if is_junk(n)]


def is_junk(name: str) -> bool:
    """Whether a file or directory called `name` is left out of plain copies."""
    return name in JUNK_DIRS or name.endswith(JUNK_SUFFIXES)


def content_digest(
    root: Path, *, leave_out: Callable[[str], bool] | None = None, salt: str = ""
) -> str:
    """A digest of the tree under `root`: relative paths, entry types, permission bits, file
    contents and link targets, in a fixed order (not times or owners, which copies restamp).
    `leave_out(relative posix path)` drops an entry and everything under it. Iterative, so no
    tree is too deep for it."""
    h = hashlib.sha256(salt.encode() + b"\0")
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        for entry in sorted(os.scandir(directory), key=lambda e: e.name):
            rel_text = prefix + entry.name
            if leave_out is not None and leave_out(rel_text):
                continue
            rel = rel_text.encode("utf-8", "surrogateescape")
            st = entry.stat(follow_symlinks=False)
            mode = b"%o" % (st.st_mode & 0o7777)
            if entry.is_symlink():
                target = os.readlink(entry.path).encode("utf-8", "surrogateescape")
                h.update(b"l\0" + rel + b"\0" + target + b"\0")
            elif entry.is_dir(follow_symlinks=False):
                h.update(b"d\0" + rel + b"\0" + mode + b"\0")
                stack.append((entry.path, rel_text + "/"))
            elif entry.is_file(follow_symlinks=False):
                h.update(b"f\0" + rel + b"\0" + mode + b"\0%d\0" % st.st_size)
                with open(entry.path, "rb") as fh:
                    while block := fh.read(1 << 20):
                        h.update(block)
            else:  # a FIFO, socket or device: copies drop it, but it is there
                h.update(b"s\0" + rel + b"\0")
    return h.hexdigest()


def _link_or_copy(src: str, dest: str) -> None:
    try:
        os.link(src, dest)
    except OSError:  # another filesystem, or links refused: a real copy
        shutil.copy2(src, dest)


def diff_trees(
    parent: Path, *, max_bytes: int = MAX_DIFF_BYTES, timeout_s: float = DIFF_TIMEOUT_S
) -> str:
    """A git-style unified diff turning tree `parent/a` into tree `parent/b`; empty when equal.

    The trees must be real directories literally named `a` and `b` (git does not follow a
    symlinked root), and git is told to add no prefix of its own, so headers read `a/path` and
    `b/path` exactly like a `git diff` inside a repository, ready for `git apply -p1`.

    `b` is usually an agent's answer: the diff is read with a cap and a deadline, and a diff
    past either raises `DiffTooLarge` (git is killed, nothing is kept).
    """
    proc = subprocess.Popen(
        [
            "git",
            "diff",
            "--no-index",
            "--binary",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--src-prefix=",
            "--dst-prefix=",
            "a",
            "b",
        ],
        cwd=parent,
        env=git_env(parent),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with proc:
        out, err, ended = read_capped(proc, time.monotonic() + timeout_s, max_bytes)
        if ended != "exit":
            proc.kill()
            proc.wait()
            what = f"larger than {max_bytes} bytes" if ended == "output_cap" else "too slow"
            raise DiffTooLarge(f"the answer's diff is {what} (limit {timeout_s:.0f} s, "
                               f"{max_bytes} bytes); nothing of it was kept")  # fmt: skip
        code = proc.wait()
    if code not in (0, 1):
        raise WorkspaceError(f"could not diff workspaces: {err.decode('utf-8', 'replace').strip()}")
    return out.decode("utf-8", "surrogateescape")


SNAPSHOT_EMAIL = "eval@godelbox.invalid"
SNAPSHOT_DATE = "2024-01-01T00:00:00+00:00"


def write_files(files: Mapping[str, str], dest: Path) -> None:
    """Write a repository held as text (relative path -> content) under `dest`."""
    for rel, text in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def commit_snapshot(tree: Path, message: str = "base", *, email: str = SNAPSHOT_EMAIL) -> str:
    """Turn a plain directory into a one-commit git repository (in place); return the sha.

    The identity and clock are fixed, so the sha depends only on the files, `message` and
    `email`. The repository gets no template (no sample hooks, no description): these trees are
    copied and deleted many times per task, and every file in `.git` is paid for each time.
    """
    env = git_env(tree)
    env.update(
        GIT_AUTHOR_NAME="godelbox",
        GIT_AUTHOR_EMAIL=email,
        GIT_COMMITTER_NAME="godelbox",
        GIT_COMMITTER_EMAIL=email,
        GIT_AUTHOR_DATE=SNAPSHOT_DATE,
        GIT_COMMITTER_DATE=SNAPSHOT_DATE,
    )
    for argv in (
        ["git", "init", "-q", "--template=", "-b", "main"],
        ["git", "add", "-A"],
        [
            "git",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ],
    ):
        subprocess.run(argv, cwd=tree, env=env, check=True, capture_output=True)
    # The branch was born a moment ago, loose and unpacked: reading the ref saves a process.
    return (tree / ".git" / "refs" / "heads" / "main").read_text(encoding="ascii").strip()
