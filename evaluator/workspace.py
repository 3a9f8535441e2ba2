"""Host-side handling of task workspaces: pristine trees and the diff an agent leaves.

The agent's answer is computed on the host by comparing two plain directory trees, the pristine
snapshot and what the agent left, with `git diff --no-index`. The agent's own `.git` is deleted
from the copy first and git runs with no system or global config, outside any repository, so
nothing the agent wrote into its repository (config, hooks, attributes, a rewritten HEAD) can
influence the host or the answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from godelbox.errors import UserError

JUNK_DIRS = frozenset({".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
JUNK_SUFFIXES = (".pyc", ".pyo")

SAFE_GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ATTR_NOSYSTEM": "1",
}


class WorkspaceError(UserError):
    """A task workspace could not be prepared or compared."""


def git_env(home: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(SAFE_GIT_ENV)
    if home is not None:
        env["HOME"] = str(home)
    return env


def strip_junk(root: Path) -> None:
    """Delete VCS metadata and caches from a copied-out tree (in place)."""
    for dirpath, dirnames, filenames in os.walk(root, topdown=True):
        for name in list(dirnames):
            if name in JUNK_DIRS:
                target = Path(dirpath) / name
                if target.is_symlink():
                    target.unlink()
                else:
                    shutil.rmtree(target, ignore_errors=True)
                dirnames.remove(name)
        for name in filenames:
            if name.endswith(JUNK_SUFFIXES) or name in JUNK_DIRS:
                (Path(dirpath) / name).unlink(missing_ok=True)


def plain_copy(src: Path, dest: Path) -> Path:
    """Copy a workspace without its VCS metadata and caches (symlinks copied as links)."""
    shutil.copytree(
        src,
        dest,
        symlinks=True,
        ignore=lambda _d, names: [n for n in names if n in JUNK_DIRS or n.endswith(JUNK_SUFFIXES)],
    )
    return dest


def diff_trees(parent: Path) -> str:
    """A git-style unified diff turning tree `parent/a` into tree `parent/b`; empty when equal.

    The trees must be real directories literally named `a` and `b` (git does not follow a
    symlinked root), and git is told to add no prefix of its own, so headers read `a/path` and
    `b/path` exactly like a `git diff` inside a repository, ready for `git apply -p1`.
    """
    done = subprocess.run(
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
        capture_output=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise WorkspaceError(
            f"could not diff workspaces: {done.stderr.decode('utf-8', 'replace').strip()}"
        )
    return done.stdout.decode("utf-8", "surrogateescape")


def commit_snapshot(tree: Path, message: str = "base") -> str:
    """Turn a plain directory into a one-commit git repository (in place); return the sha."""
    env = git_env(tree)
    env.update(
        GIT_AUTHOR_NAME="godelbox",
        GIT_AUTHOR_EMAIL="eval@godelbox.invalid",
        GIT_COMMITTER_NAME="godelbox",
        GIT_COMMITTER_EMAIL="eval@godelbox.invalid",
        GIT_AUTHOR_DATE="2024-01-01T00:00:00+00:00",
        GIT_COMMITTER_DATE="2024-01-01T00:00:00+00:00",
    )
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message],
    ):
        subprocess.run(argv, cwd=tree, env=env, check=True, capture_output=True)
    done = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=tree, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip()
