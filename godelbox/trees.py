"""Walking, copying and deleting directory trees that agent code shaped, without recursion.

An agent decides how deep its trees are. Python 3.11's `shutil.rmtree`, `shutil.copytree`,
`os.walk` and `Path.rglob` all recurse once per level, so a 1,200-level directory chain raises
RecursionError in whatever touches it (and a thread that does not expect it dies). Everything
here keeps its own stack or queue instead, and deleting also keeps path lengths short: every
directory is first moved up to be a direct child of the tree being deleted, so a chain deeper
than PATH_MAX goes as easily as a flat one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

Ignore = Callable[[str, list[str]], list[str]]
"""shutil.copytree's ignore: (directory, names) -> names to leave out."""
CopyFile = Callable[[str, str], object]


def files(root: Path, *, skip_dir: Callable[[str], bool] | None = None) -> Iterator[Path]:
    """Every regular file under `root` (symlinks not followed, nor listed), in `os.walk`'s
    top-down order: a directory's files by name, then each subdirectory's in turn.
    Directories whose name `skip_dir` accepts are not entered."""
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if skip_dir is None or not skip_dir(entry.name):
                    subdirs.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path)
        stack.extend(reversed(subdirs))


LONG_PATH = 1024
"""Directories whose path is longer are first moved up next to the top (see module doc)."""


def remove(path: Path) -> None:
    """Delete `path` (a tree, a file or a link; a missing path is fine). Raises OSError when
    something could not be deleted; everything that could be is gone."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(info.st_mode):
        path.unlink()
        return
    hoisted = f".godelbox-rm-{uuid.uuid4().hex[:12]}-"
    moved = 0
    failed: list[OSError] = []
    stack: list[tuple[str, bool]] = [(str(path), False)]
    """(directory, emptied): a directory is pushed again, emptied, below its children."""
    while stack:
        directory, emptied = stack.pop()
        if emptied:
            try:
                os.rmdir(directory)
            except FileNotFoundError:
                pass
            except OSError as err:
                failed.append(err)
            continue
        stack.append((directory, True))
        try:
            with _scan(directory) as entries:
                for entry in entries:
                    if entry.name.startswith(hoisted):
                        continue  # moved up by this call: already on the stack
                    try:
                        if not entry.is_dir(follow_symlinks=False):
                            os.unlink(entry.path)
                        elif len(entry.path) < LONG_PATH:
                            stack.append((entry.path, False))
                        else:
                            moved += 1
                            os.rename(entry.path, path / f"{hoisted}{moved}")
                            stack.append((str(path / f"{hoisted}{moved}"), False))
                    except FileNotFoundError:
                        continue
                    except OSError as err:
                        failed.append(err)
        except OSError as err:
            failed.append(err)
    if failed and os.path.lexists(path):
        raise failed[0]


def _scan(directory: Path) -> contextlib.AbstractContextManager[Iterator[os.DirEntry[str]]]:
    """`os.scandir`, after making the directory readable if its mode forbids that (an agent
    can leave one at mode 000, which stops a non-root owner)."""
    try:
        return os.scandir(directory)
    except PermissionError:
        os.chmod(directory, 0o700)
        return os.scandir(directory)


def copy(
    src: Path,
    dest: Path,
    *,
    ignore: Ignore | None = None,
    copy_file: CopyFile = shutil.copy2,
    merge: bool = False,
) -> Path:
    """`shutil.copytree(src, dest, symlinks=True, ignore=..., copy_function=...,
    dirs_exist_ok=merge)`, without recursion."""
    os.makedirs(dest, exist_ok=merge)
    shutil.copystat(src, dest)
    stack = [(src, dest)]
    while stack:
        source, target = stack.pop()
        with os.scandir(source) as it:
            entries = list(it)
        left_out = set(ignore(str(source), [e.name for e in entries])) if ignore else set()
        for entry in entries:
            if entry.name in left_out:
                continue
            there = target / entry.name
            if merge and not entry.is_dir(follow_symlinks=False) and _is_leaf(there):
                os.unlink(there)  # replace it; never write through a link already there
            if entry.is_symlink():
                os.symlink(os.readlink(entry.path), there)
            elif entry.is_dir():
                os.makedirs(there, exist_ok=merge)
                shutil.copystat(entry.path, there)
                stack.append((Path(entry.path), there))
            else:
                copy_file(entry.path, str(there))
    return dest


def _is_leaf(path: Path) -> bool:
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False
