"""The sandbox interface: the only way godelbox ever runs agent code.

A backend starts a `Sandbox` from an image with `Limits`; a sandbox copies directories in and out
and runs commands with a host-enforced timeout and output cap. Backends (docker, bubblewrap, the
explicit unsafe local one) are separate classes with the same small surface, so the evaluator and
proposer never know which one they talk to.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from godelbox.errors import UserError

if TYPE_CHECKING:
    from godelbox.sandbox.stream import LineStream

EndReason = Literal["exit", "timeout", "oom", "output_cap"]

WORK_DIR = "/work"
"""The writable, size-capped work dir inside every sandbox; everything else is read-only
(except a size-capped /tmp)."""

GATEWAY_SOCKET = "/run/godelbox/llm.sock"
"""Where the host's LLM gateway socket appears inside a sandbox when one is attached."""


class SandboxError(UserError):
    """The sandbox could not be created or used (engine down, image missing, ...)."""


class CopyRefused(SandboxError):
    """A tree coming out of a sandbox broke a limit or a rule; nothing of it was kept.
    Caused by what the agent left, not by the sandbox: the run goes on."""


@dataclass(frozen=True)
class CopyReport:
    """What one copy_out took, and what it left out."""

    files: int = 0
    bytes: int = 0
    dropped: tuple[str, ...] = ()
    """Entries left out (FIFOs, devices, names with control characters), escaped for display;
    at most a few dozen, see `dropped_count`."""
    dropped_count: int = 0

    def note(self) -> str:
        """One line for a task's log, or "" when nothing was left out."""
        if not self.dropped_count:
            return ""
        more = self.dropped_count - len(self.dropped)
        tail = f" and {more} more" if more else ""
        return f"copy-out left out {self.dropped_count} entries: {', '.join(self.dropped)}{tail}"


@dataclass(frozen=True)
class CopyLimits:
    """What one copy_out may bring onto the host; enforced while the tree streams out
    (see `copyout`). A tree over any of them is refused whole."""

    total_mb: int = 256
    """Bytes of all regular files together."""
    files: int = 50_000
    """Entries of any kind (files, directories, links)."""
    depth: int = 64
    """Directory levels below the copied directory."""
    file_mb: int = 64
    """Bytes of one regular file (sparse files count at their full size)."""
    path_bytes: int = 1024
    """Length of one entry's path below the copied directory, UTF-8 encoded."""


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 1024
    cpus: float = 1.0
    pids: int = 256
    tmp_mb: int = 256
    work_mb: int = 512
    work_inodes: int = 200_000
    """Files and directories the work dir may hold (tmpfs nr_inodes)."""
    output_limit_bytes: int = 1_000_000
    cpu_shares: int = 0
    """Relative CPU weight against other processes (docker's cpu-shares; 0 = the engine's
    default, 1024). On a cgroup-v1 host whose own processes sit in the root cgroup, a container
    weighs as much as ONE host process whatever it runs, so a busy machine starves a
    multi-process sandbox (a browser) unless this is raised."""
    nofile: int = 4096
    """Open files per process (RLIMIT_NOFILE, soft = hard). Core dumps are always off."""
    copy_out: CopyLimits = field(default_factory=CopyLimits)


@dataclass(frozen=True)
class ExecResult:
    exit_code: int | None
    """None when the process did not exit by itself (killed on timeout, OOM or output cap)."""
    stdout: str
    stderr: str
    duration_s: float
    ended: EndReason

    @property
    def ok(self) -> bool:
        return self.ended == "exit" and self.exit_code == 0


@dataclass(frozen=True)
class SandboxSpec:
    """What to start: image, limits, labels (run id, node id) and an optional gateway socket."""

    image: str
    limits: Limits = field(default_factory=Limits)
    labels: Mapping[str, str] = field(default_factory=dict)
    gateway_socket: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)


class Sandbox(Protocol):
    def copy_in(self, src: Path, dest: str) -> None:
        """Copy host directory `src` to `dest` (under WORK_DIR) inside the sandbox."""

    def run(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        """Run `cmd`; kill it at `timeout_s` (host-enforced) or when output passes the cap."""

    def open(
        self, cmd: Sequence[str], *, workdir: str = WORK_DIR, env: Mapping[str, str] | None = None
    ) -> LineStream:
        """Start `cmd` with its stdin and stdout open for a line-by-line conversation (see
        `godelbox.sandbox.stream`); it runs until the stream or the sandbox is closed."""

    def copy_out(self, src: str, dest: Path, *, skip: Collection[str] = ()) -> CopyReport:
        """Copy directory `src` inside the sandbox to host directory `dest` (created), leaving
        out every entry whose name matches one of the glob patterns in `skip`, and everything
        under it (see `transfer.skipped`). The tree is hostile: `copyout` bounds and checks it
        while it streams, and raises `CopyRefused` (nothing written) when it cannot be taken;
        entries it leaves out (special files, unsafe names) are listed in the report."""

    def close(self) -> None:
        """Destroy the sandbox and everything in it. Idempotent."""

    def __enter__(self) -> Sandbox: ...

    def __exit__(self, *exc: object) -> None: ...


class Backend(Protocol):
    name: str

    def start(self, spec: SandboxSpec) -> Sandbox:
        """Start a fresh sandbox; use it as a context manager so it is always destroyed."""

    def image_identity(self, image: str) -> str | None:
        """What sandboxes of `image` run, pinned by content (the engine's image id, the rootfs
        built from a recipe), or None when it cannot be pinned: results are then not cached."""
