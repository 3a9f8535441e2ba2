"""Bytes from a sandbox: the one way a directory tree comes out of a sandbox onto the host.

Every backend's `copy_out` hands its stream here (a tar stream from the engine or from `tar` run
inside the sandbox, or a walk of the unsafe local backend's directory). The tree was shaped by
agent code, so it is read as hostile, entry by entry, as it streams:

- limits (`CopyLimits`, from `sandbox.copy_out_*`) on total bytes, entries, depth, one file's
  size and path length are checked on each header before its data is read: a 1 GB sparse file
  is refused at its header, 100k files at entry 50,001, and the stream is closed there. A tree
  over a limit raises `CopyRefused` naming the limit, and nothing of it is kept;
- only directories, regular files and links are written; FIFOs, devices and anything else are
  left out and listed in the report, as are entries whose names hold control characters or
  bytes that are not UTF-8 (with everything under them);
- nothing is ever written through a link: an entry below a symlink, `..` in a name, an absolute
  name or an entry outside the copied directory refuses the tree;
- symlink targets are resolved lexically, in the tree's own namespace, never on the host. A
  target that is absolute or leaves the tree refuses it. Targets are stored in a form whose
  `..` steps only climb the link's own (real) parent directories and then only descend, which
  keeps every link inside the tree whatever other links it passes through; a target already in
  that form is kept byte for byte (an honest repository's links show no change in the diff).
  This does not use tarfile's extraction filters, whose checks depend on the Python release
  (3.11.7's `data` filter can be walked out of the tree by link ordering, CVE-2025-4138);
- files get plain modes (no setuid/setgid/sticky, owner read/write; execute bits kept), and
  hard links may only point at a regular file the same copy already wrote.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tarfile
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from godelbox import trees
from godelbox.sandbox.base import CopyLimits, CopyRefused, CopyReport, SandboxError
from godelbox.sandbox.transfer import skipped

MB = 1024 * 1024
CHUNK = 1024 * 1024
SHOWN_DROPPED = 20
"""How many left-out entries a report names (it counts them all)."""

Opener = Callable[[], IO[bytes] | None]
Entry = tuple[tarfile.TarInfo, Opener]


def from_tar(
    stream: IO[bytes], top: str, dest: Path, limits: CopyLimits, skip: Collection[str] = ()
) -> CopyReport:
    """Take the tree `top` from a tar stream (read once, front to back, never seeked)."""
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:

            def entries() -> Iterator[Entry]:
                while (info := tar.next()) is not None:
                    tar.members.clear()  # stream mode would keep every header otherwise
                    yield info, (lambda info=info: tar.extractfile(info))

            return extract(entries(), top, dest, limits, skip)
    except tarfile.TarError as err:
        raise SandboxError(f"the copy of {top} out of the sandbox broke off: {err}") from None


def from_host(src: Path, dest: Path, limits: CopyLimits, skip: Collection[str] = ()) -> CopyReport:
    """Take the tree at host path `src` (the unsafe local backend's work dir) the same way."""
    top = src.name

    def entries() -> Iterator[Entry]:
        yield _host_info(src, top), _no_data
        stack = [(src, top)]
        while stack:
            directory, name = stack.pop()
            with os.scandir(directory) as it:
                children = sorted(it, key=lambda e: e.name, reverse=True)
            for child in children:
                path, member = Path(child.path), f"{name}/{child.name}"
                info = _host_info(path, member)
                yield info, (lambda path=path: _open_nofollow(path))
                if info.isdir():
                    stack.append((path, member))

    if not src.is_dir():
        raise SandboxError(f"{top} is not a directory in the sandbox")
    return extract(entries(), top, dest, limits, skip)


def extract(
    entries: Iterator[Entry],
    top: str,
    dest: Path,
    limits: CopyLimits,
    skip: Collection[str] = (),
) -> CopyReport:
    """Write the tree `top` from `entries` to `dest` (which must not exist or be empty); see
    the module docstring for what is checked. All or nothing: built aside, renamed into place."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists() and any(dest.iterdir()):
        raise SandboxError(f"copy_out destination {dest} is not empty")
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name[:40]}.copy-", dir=dest.parent))
    try:
        tree = staging / "tree"
        report = _Extraction(tree, top, limits, tuple(skip)).run(entries)
        if dest.exists():
            dest.rmdir()
        tree.rename(dest)
        return report
    finally:
        # Errors here are the caller's to see only if the copy itself failed.
        with contextlib.suppress(OSError):
            trees.remove(staging)


@dataclass
class _Extraction:
    root: Path
    top: str
    limits: CopyLimits
    skip: tuple[str, ...]
    entries: int = 0
    files: int = 0
    bytes: int = 0
    dropped_dirs: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    """Only links and what was left out are remembered; everything else is asked of the disk
    (lstat, with no link on the way), so 50,000 files cost no more memory than ten."""
    dropped: list[str] = field(default_factory=list)
    dropped_count: int = 0
    started: bool = False

    def run(self, entries: Iterator[Entry]) -> CopyReport:
        for info, opener in entries:
            self._take(info, opener)
        if not self.started:
            raise SandboxError(f"{self.top} does not exist in the sandbox or is not a directory")
        return CopyReport(
            files=self.files,
            bytes=self.bytes,
            dropped=tuple(self.dropped),
            dropped_count=self.dropped_count,
        )

    def _take(self, info: tarfile.TarInfo, opener: Opener) -> None:
        parts = self._parts(info.name)
        if not parts:  # the copied directory itself
            if info.issym():
                raise CopyRefused(
                    f"{self.top} is a link (to {_shown(info.linkname)}), not a directory"
                )
            if not info.isdir():
                raise SandboxError(
                    f"{self.top} does not exist in the sandbox or is not a directory"
                )
            self.root.mkdir()
            self.started = True
            return
        if not self.started:
            raise CopyRefused(f"{info.name!r} comes before the directory it is in")
        rel = "/".join(parts)
        if skipped(rel, self.skip) or _under(parts, self.dropped_dirs):
            return
        unsafe = next((p for p in parts if not _safe_name(p)), None)
        if unsafe is not None:
            self._drop(rel, "a name with control characters or non-UTF-8 bytes", info.isdir())
            return
        self._check_limits(rel, parts, info)
        target = self.root / rel
        if _under(parts, self.links) or _kind_on_disk(target.parent) != "dir":
            what = "a link" if _under(parts, self.links) else "no directory"
            raise CopyRefused(f"{_shown(rel)} sits under {what} in the copied tree")
        if _kind_on_disk(target) is not None:
            raise CopyRefused(f"{_shown(rel)} appears twice in the copied tree")
        if info.isdir():
            target.mkdir(mode=0o755)
        elif info.isreg():
            self._write_file(target, info, opener)
            self.files += 1
        elif info.issym():
            os.symlink(self._link_target(parts, info.linkname), target)
            self.links.add(rel)
        elif info.islnk():
            self._hard_link(rel, target, info.linkname)
        else:
            self._drop(rel, _kind(info), False)

    def _parts(self, name: str) -> list[str]:
        """`name` below the copied directory, as parts; refuses anything that is not."""
        if name.startswith("/"):
            raise CopyRefused(f"absolute path {_shown(name)} in the copied tree")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if not parts or parts[0] != self.top:
            raise CopyRefused(f"{_shown(name)} is outside the copied directory {self.top}")
        if ".." in parts:
            raise CopyRefused(f"{_shown(name)} climbs out with '..'")
        return parts[1:]

    def _check_limits(self, rel: str, parts: list[str], info: tarfile.TarInfo) -> None:
        limits = self.limits
        self.entries += 1
        if self.entries > limits.files:
            raise _over("sandbox.copy_out_files", f"more than {limits.files} entries")
        if len(parts) > limits.depth:
            raise _over("sandbox.copy_out_depth", f"more than {limits.depth} directory levels")
        if len(rel.encode("utf-8", "surrogateescape")) > limits.path_bytes:
            raise _over(
                "sandbox.copy_out_path_bytes", f"a path longer than {limits.path_bytes} bytes"
            )
        if info.isreg():
            if info.size > limits.file_mb * MB:
                raise _over(
                    "sandbox.copy_out_file_mb",
                    f"{_shown(rel)} of {info.size} bytes, over {limits.file_mb} MB",
                )
            if self.bytes + info.size > limits.total_mb * MB:
                raise _over("sandbox.copy_out_mb", f"more than {limits.total_mb} MB of files")

    def _write_file(self, target: Path, info: tarfile.TarInfo, opener: Opener) -> None:
        mode = 0o755 if info.mode & 0o111 else 0o644
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "wb") as out:
            source = opener() if info.size else None
            if source is None:
                return
            with source:
                left = info.size
                while left > 0:
                    chunk = source.read(min(CHUNK, left))
                    if not chunk:
                        break
                    out.write(chunk)
                    left -= len(chunk)
        self.bytes += info.size

    def _link_target(self, parts: list[str], raw: str) -> str:
        """The target to store for a symlink at `parts` (see the module docstring)."""
        where = parts[:-1]
        shown = f"{_shown('/'.join(parts))} -> {_shown(raw)}"
        if not raw or raw.startswith("/"):
            raise CopyRefused(f"link {shown} is absolute or empty; only links inside the tree")
        resolved = list(where)
        for step in raw.split("/"):
            if step in ("", "."):
                continue
            if step == "..":
                if not resolved:
                    raise CopyRefused(f"link {shown} points outside the copied tree")
                resolved.pop()
            else:
                resolved.append(step)
        if _descends_after_climbing(raw, len(where)):
            return raw
        common = 0
        while common < min(len(where), len(resolved)) and where[common] == resolved[common]:
            common += 1
        steps = [".."] * (len(where) - common) + resolved[common:]
        return "/".join(steps) or "."

    def _hard_link(self, rel: str, target: Path, raw: str) -> None:
        parts = self._parts(raw)
        source = "/".join(parts)
        if not _under(parts, self.links) and _kind_on_disk(self.root / source) == "file":
            os.link(self.root / source, target)
            self.files += 1
        elif skipped(source, self.skip) or _under(source.split("/"), self.dropped_dirs):
            self._drop(rel, "a hard link to an entry left out", False)
        else:
            raise CopyRefused(f"hard link {_shown(rel)} -> {_shown(raw)} names no copied file")

    def _drop(self, rel: str, why: str, is_dir: bool) -> None:
        self.dropped_count += 1
        if len(self.dropped) < SHOWN_DROPPED:
            self.dropped.append(f"{_shown(rel)} ({why})")
        if is_dir:
            self.dropped_dirs.add(rel)


def _kind_on_disk(path: Path) -> str | None:
    """ "dir", "file", "link" or "other" for what this copy wrote at `path`; None if nothing.
    (Nothing is written through links, so a path's parents are real directories or absent.)"""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return "other"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "link" if stat.S_ISLNK(mode) else "other"


def _over(key: str, what: str) -> CopyRefused:
    return CopyRefused(f"the tree has {what} (limit {key}); nothing of it was kept")


def _descends_after_climbing(target: str, depth: int) -> bool:
    """Whether `target` is some `..` steps (no more than `depth`), then only plain names."""
    steps = target.split("/")
    climbs = 0
    while climbs < len(steps) and steps[climbs] == "..":
        climbs += 1
    rest = steps[climbs:]
    return climbs <= depth and all(s not in ("", ".", "..") for s in rest)


def _under(parts: list[str], prefixes: set[str]) -> bool:
    return bool(prefixes) and any("/".join(parts[:i]) in prefixes for i in range(1, len(parts)))


def _safe_name(part: str) -> bool:
    """No control or format characters, no undecodable bytes (surrogate escapes)."""
    return part.isprintable()


def _shown(text: str) -> str:
    """`text` with every control character and undecodable byte escaped (JSON style)."""
    return json.dumps(text)[1:-1]


def _kind(info: tarfile.TarInfo) -> str:
    if info.isfifo():
        return "a FIFO"
    if info.ischr() or info.isblk():
        return "a device"
    return f"an entry of tar type {info.type!r}"


def _host_info(path: Path, name: str) -> tarfile.TarInfo:
    st = os.lstat(path)
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISREG(st.st_mode):
        info.type, info.size = tarfile.REGTYPE, st.st_size
    elif stat.S_ISLNK(st.st_mode):
        info.type, info.linkname = tarfile.SYMTYPE, os.readlink(path)
    elif stat.S_ISFIFO(st.st_mode):
        info.type = tarfile.FIFOTYPE
    else:
        info.type = tarfile.CHRTYPE
    return info


def _open_nofollow(path: Path) -> IO[bytes]:
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _no_data() -> None:
    return None
