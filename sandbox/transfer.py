"""Moving directories in and out of a sandbox as tar streams, the same way for every backend.

Packing stamps every entry as uid 1000 and drops anything that is not a file, a directory or a
symlink. Unpacking treats the archive as hostile (it was written by agent code): Python's
"data" filter refuses absolute paths, "..", links that leave the tree, devices and setuid bits.
Symlinks are always resolved *inside* the sandbox (by the engine or by tar running in it), never
by the host, so an agent cannot redirect a copy onto a host path.
"""

from __future__ import annotations

import fnmatch
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable, Collection
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
        tar.add(str(src), arcname=str(rel), filter=_as_agent)
    buf.seek(0)


def unpack(archive: IO[bytes], top: str, dest: Path, skip: Collection[str] = ()) -> None:
    """Extract the tree `top` from `archive` to `dest` (which must not exist or be empty),
    leaving out what `skip` names (never written to the host, so never deleted either)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and any(dest.iterdir()):
        raise SandboxError(f"copy_out destination {dest} is not empty")
    with (
        tempfile.TemporaryDirectory(dir=dest.parent) as tmp,
        tarfile.open(fileobj=archive) as tar,
    ):
        tar.extractall(tmp, filter=_data_without(skip))
        extracted = Path(tmp) / top
        if not extracted.is_dir():
            raise SandboxError(f"{top} is not a directory in the sandbox")
        if dest.exists():
            dest.rmdir()
        shutil.move(str(extracted), dest)


def skipped(path: str, skip: Collection[str]) -> bool:
    """Whether any part of the relative `path` matches a glob pattern in `skip`."""
    return bool(skip) and any(
        fnmatch.fnmatchcase(part, pattern) for part in PurePosixPath(path).parts for pattern in skip
    )


def _data_without(
    skip: Collection[str],
) -> Callable[[tarfile.TarInfo, str], tarfile.TarInfo | None]:
    def keep(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        below_top = PurePosixPath(*PurePosixPath(member.name).parts[1:])
        if skipped(str(below_top), skip):
            return None
        return tarfile.data_filter(member, dest)

    return keep


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
