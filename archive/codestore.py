"""The agent code store: every agent variant is a commit in one bare git repository per run.

A child's commit has its parent's commit as git parent, so `git log`, `git diff` and checkout of
any ancestor are native. Commits are deterministic: a fixed identity, and timestamps derived from
the inputs (the root at a fixed epoch, each child one second after its parent), so the same
content on the same parent always gives the same sha. Every commit is pinned by a ref
`refs/agents/<sha>` so git's garbage collection can never drop an agent.

Agent trees are untrusted data. The repository is bare and all work goes through a throw-away
index, so no work tree is ever dirty; every git call ignores system/global config, points
`core.hooksPath` at /dev/null and never runs external diff or textconv drivers.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import git

from godelbox.errors import UserError

ROOT_EPOCH = 946_684_800
"""2000-01-01T00:00:00Z: the root commit's author and committer time."""

_IDENTITY = {
    "GIT_AUTHOR_NAME": "godelbox",
    "GIT_AUTHOR_EMAIL": "godelbox@localhost",
    "GIT_COMMITTER_NAME": "godelbox",
    "GIT_COMMITTER_EMAIL": "godelbox@localhost",
}
_ISOLATION = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
}
_SAFE_FLAGS = (
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "gc.auto=0",
)


class CodeStoreError(UserError):
    """The code store or a commit in it cannot be used."""


class PatchApplyError(CodeStoreError):
    """A patch does not apply to its parent; nothing was written."""


@dataclass(frozen=True)
class DiffStats:
    files: int
    insertions: int
    deletions: int


class CodeStore:
    """One run's agents, addressed by commit sha."""

    def __init__(self, path: Path) -> None:
        try:
            self._repo = git.Repo(path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise CodeStoreError(
                f"{path} is not an agent code store; is this a run dir made by `godelbox init`?"
            ) from None
        self.path = path
        # Commits never change once written: what git said about one is asked only once.
        # (Plain dict reads and writes: safe from the loop's worker threads.)
        self._commit_times: dict[str, int] = {}
        self._trees: dict[str, str] = {}

    @classmethod
    def init(cls, path: Path) -> CodeStore:
        """Create an empty bare repository at `path` (which must not exist yet)."""
        if path.exists():
            raise CodeStoreError(f"{path} already exists; a code store needs a fresh path")
        git.Repo.init(path, bare=True, mkdir=True)
        for sample in (path / "hooks").glob("*"):
            sample.unlink()
        return cls(path)

    def add_root(self, src: Path, message: str = "seed agent") -> str:
        """Commit the directory `src` as a root agent; returns its sha."""
        return self._commit_dir(src, parent=None, message=message)

    def add_child(self, parent: str, change: Path | str, message: str = "child") -> str:
        """Commit a child of `parent`: `change` is either the child's whole tree (a `Path`) or a
        unified diff against the parent (a `str`, applied with `git apply`). A patch that does
        not apply raises `PatchApplyError` and writes nothing."""
        self._require_commit(parent)
        if isinstance(change, Path):
            return self._commit_dir(change, parent=parent, message=message)
        with self._scratch_index() as env:
            self._git(["read-tree", parent], env)
            patch_file = Path(env["GIT_INDEX_FILE"]).with_name("change.patch")
            patch_file.write_text(change, encoding="utf-8")
            try:
                self._git(["apply", "--cached", "--whitespace=nowarn", str(patch_file)], env)
            except git.GitCommandError as exc:
                raise PatchApplyError(
                    f"patch does not apply to {parent[:12]}: {_first_line(exc.stderr)}; "
                    "regenerate it against the parent's code"
                ) from None
            tree = self._git(["write-tree"], env).strip()
        return self._commit(tree, parent, message)

    def checkout(self, sha: str, dest: Path) -> None:
        """Materialise agent `sha` into `dest` (created; must be absent or empty)."""
        self._require_commit(sha)
        if dest.exists() and any(dest.iterdir()):
            raise CodeStoreError(f"{dest} is not empty; check agents out into a fresh directory")
        dest.mkdir(parents=True, exist_ok=True)
        with self._scratch_index() as env:
            self._git(["--work-tree", str(dest.resolve()), "read-tree", "--reset", "-u", sha], env)

    def diff(self, a: str, b: str) -> str:
        """`git diff a b` as text (binary files included, so it can be re-applied)."""
        self._require_commit(a)
        self._require_commit(b)
        return self._git(["diff", *_DIFF_FLAGS, "--binary", a, b])

    def diff_stats(self, a: str, b: str) -> DiffStats:
        """Files touched and lines added/removed from `a` to `b` (binary files count as touched)."""
        self._require_commit(a)
        self._require_commit(b)
        files = insertions = deletions = 0
        for line in self._git(["diff", *_DIFF_FLAGS, "--numstat", a, b]).splitlines():
            added, removed, _path = line.split("\t", 2)
            files += 1
            insertions += int(added) if added.isdigit() else 0
            deletions += int(removed) if removed.isdigit() else 0
        return DiffStats(files, insertions, deletions)

    def tree(self, sha: str) -> str:
        """The tree id of agent `sha`: two agents with the same tree are the same code,
        whatever their history."""
        if sha not in self._trees:
            self._require_commit(sha)
            self._trees[sha] = self._git(["rev-parse", f"{sha}^{{tree}}"]).strip()
        return self._trees[sha]

    def tree_of(self, src: Path) -> str:
        """The tree id the directory `src` would be committed as (its objects are written into
        the store; no commit is made)."""
        if not src.is_dir():
            raise CodeStoreError(f"{src} is not a directory; give the agent's source directory")
        with self._scratch_index() as env:
            self._git(["--work-tree", str(src.resolve()), "add", "--all", "."], env)
            return self._git(["write-tree"], env).strip()

    def lineage(self, sha: str) -> list[str]:
        """Shas from the root down to `sha` (inclusive)."""
        self._require_commit(sha)
        return self._git(["rev-list", "--first-parent", "--reverse", sha]).split()

    def has(self, sha: str) -> bool:
        if sha in self._commit_times:
            return True
        try:
            when = self._git(["show", "-s", "--format=%ct", f"{sha}^{{commit}}"])
        except git.GitCommandError:
            return False
        if _FULL_SHA.fullmatch(sha):  # a name that could move later is asked again every time
            self._commit_times[sha] = int(when.strip())
        return True

    def _commit_dir(self, src: Path, parent: str | None, message: str) -> str:
        return self._commit(self.tree_of(src), parent, message)

    def _commit(self, tree: str, parent: str | None, message: str) -> str:
        when = ROOT_EPOCH if parent is None else self._commit_time(parent) + 1
        stamp = f"{when} +0000"
        env = {**_IDENTITY, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        args = ["commit-tree", tree, "-m", message]
        if parent is not None:
            args += ["-p", parent]
        sha = self._git(args, env).strip()
        self._keep(sha)
        self._commit_times[sha] = when
        return sha

    def _keep(self, sha: str) -> None:
        """Point `refs/agents/<sha>` at the commit, as `git update-ref` would, without a
        process: a loose ref is a file holding the object name (gitrepository-layout(5)),
        written aside and renamed so a reader never sees half of it."""
        ref = self.path / "refs" / "agents" / sha
        ref.parent.mkdir(parents=True, exist_ok=True)
        staged = ref.with_name(f"{sha}.lock")  # git's own lock name: git never reads it as a ref
        staged.write_text(f"{sha}\n", encoding="ascii")
        os.replace(staged, ref)

    def _commit_time(self, sha: str) -> int:
        self._require_commit(sha)
        if sha in self._commit_times:
            return self._commit_times[sha]
        return int(self._git(["show", "-s", "--format=%ct", sha]).strip())

    def _require_commit(self, sha: str) -> None:
        if not self.has(sha):
            raise CodeStoreError(f"no agent commit '{sha}' in {self.path}")

    @contextmanager
    def _scratch_index(self) -> Iterator[dict[str, str]]:
        """A private, temporary index so concurrent operations never share state."""
        with tempfile.TemporaryDirectory(prefix="godelbox-index-") as tmp:
            yield {"GIT_INDEX_FILE": str(Path(tmp) / "index")}

    def _git(self, args: Sequence[str], env: dict[str, str] | None = None) -> str:
        return self._repo.git.execute(
            ["git", "--git-dir", str(self.path.resolve()), *_SAFE_FLAGS, *args],
            env={**_ISOLATION, **(env or {})},
            strip_newline_in_stdout=False,
        )


_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_DIFF_FLAGS = ("--no-color", "--no-ext-diff", "--no-textconv", "--no-renames")


def _first_line(text: str | bytes | None) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    line = lines[0] if lines else "git apply failed"
    return line.removeprefix("stderr: ").strip("'")
