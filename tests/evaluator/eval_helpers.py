"""Small host-side helpers for the evaluator tests: real git repositories in temp dirs."""

from __future__ import annotations

import subprocess
from pathlib import Path

from godelbox.evaluator.workspace import commit_snapshot, git_env


def make_repo(root: Path, files: dict[str, str]) -> Path:
    """A one-commit git repository holding `files` (path -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    commit_snapshot(root)
    return root


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        env={
            **git_env(repo),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
        },
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout
