"""Moving directories into a sandbox as tar streams, the same way for every backend.

Packing walks the tree without recursion (an agent's own code tree can be deep), stamps every
entry as uid 1000 and drops anything that is not a file, a directory or a symlink. Symlinks are
resolved *inside* the sandbox (by the engine or by tar running in it), never by the host, so an
agent cannot redirect a copy onto a host path. The way out is `copyout`'s.
"""

from __future__ import annotations

import fnmatch
import os
import tarfile
import time
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import IO

from godelbox.sandbox.base import WORK_DIR, SandboxError


def under_work(dest: str) -> PurePosixPath:
    """`dest` relative to WORK_DIR; refuses anything else (the rest of the sandbox is
    read-only, and /tmp may not survive between commands)."""
    path = PurePosixPath(dest)
    try:
        rel = path.relative_to(WORK_DIR)
    except ValueError:
        raise SandboxError(f"sandbox path {dest} must be under {WORK_DIR}") from None
    if not rel.parts or ".." in rel.parts:
        raise SandboxError(f"sandbox path {dest} must name a directory under {WORK_DIR}")
    return rel


def pack(src: Path, rel: PurePosixPath, buf: IO[bytes]) -> None:
    """Write `src` as `rel` (plus its parent dirs), owned by uid 1000, into `buf`; rewind it."""
    if not src.is_dir():
        raise SandboxError(f"copy_in source {src} is not a directory")
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for i in range(1, len(rel.parts)):
            tar.addfile(_dir_info(str(PurePosixPath(*rel.parts[:i]))))
        stack = [(src, rel)]
        while stack:
            path, name = stack.pop()
            info = _as_agent(tar.gettarinfo(str(path), arcname=str(name)))
            if info is None:
                continue
            if info.isreg():
                with path.open("rb") as data:
                    tar.addfile(info, data)
                continue
            tar.addfile(info)
            if info.isdir():
                children = sorted(os.listdir(path), reverse=True)
                stack.extend((path / child, name / child) for child in children)
    buf.seek(0)


def skipped(path: str, skip: Collection[str]) -> bool:
    """Whether any part of the relative `path` matches a glob pattern in `skip`."""
    return bool(skip) and any(
        fnmatch.fnmatchcase(part, pattern) for part in PurePosixPath(path).parts for pattern in skip
    )


def _dir_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    info.uid = info.gid = 1000
    info.mtime = int(time.time())
    return info


def _as_agent(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    if not (info.isfile() or info.isdir() or info.issym()):
        return None
    info.uid = info.gid = 1000
    info.uname = info.gname = "agent"
    info.mode &= 0o777
    return info
