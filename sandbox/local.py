"""The explicit UNSAFE backend: agent code runs on the host as this user, with no isolation.

Only reachable with `sandbox.backend = "none"` *and* `sandbox.unsafe_no_sandbox = true` (the
config refuses one without the other), and `backend_for` prints a loud warning. WORK_DIR is a
host temp dir; sandbox paths under WORK_DIR in argv, workdir and env values are rewritten to it
so agents written for the real sandboxes run unchanged. Timeouts and the output cap still hold,
and whatever a command leaves in its process group is killed when it returns. The agent gets a
minimal environment (`BASE_ENV`, HOME in its own dir, plus what the caller passes), never this
process's: no API key or other secret of the host's environment reaches it. Copies out go
through `copyout` like every other backend's. Nothing else holds.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from godelbox import trees
from godelbox.sandbox import copyout, transfer
from godelbox.sandbox.base import WORK_DIR, CopyReport, ExecResult, SandboxError, SandboxSpec
from godelbox.sandbox.process import read_capped, wait_until
from godelbox.sandbox.stream import LineStream, end_process, pipe_stream

BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
}
_WORK_PATH = re.compile(rf"(?<![\w./-]){re.escape(WORK_DIR)}(?=/|$|[\s'\";:)])")


class LocalSandbox:
    def __init__(self, spec: SandboxSpec) -> None:
        self._spec = spec
        self._root = Path(tempfile.mkdtemp(prefix="godelbox-unsafe-"))
        self._closed = False
        self._streams: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def host_path(self, text: str) -> str:
        """`text` with every sandbox path under WORK_DIR remapped to the host temp dir (also
        inside shell snippets like `sh -c "cat /work/x"`)."""
        return _WORK_PATH.sub(lambda _m: str(self._root), text)

    def copy_in(self, src: Path, dest: str) -> None:
        target = self._root / transfer.under_work(dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        trees.copy(Path(src), target, merge=True)

    def copy_out(self, src: str, dest: Path, *, skip: Collection[str] = ()) -> CopyReport:
        source = self._root / transfer.under_work(src)
        if not source.is_dir() or source.is_symlink():
            raise SandboxError(f"{src} does not exist in the sandbox")
        return copyout.from_host(source, Path(dest), self._spec.limits.copy_out, skip)

    def run(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        started = time.monotonic()
        proc = subprocess.Popen(
            [self.host_path(a) for a in cmd],
            cwd=self.host_path(workdir),
            env=self._env(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        if stdin is not None and proc.stdin is not None:
            threading.Thread(target=_feed, args=(proc, stdin), daemon=True).start()
        limit = self._spec.limits.output_limit_bytes
        out, err, ended = read_capped(proc, started + timeout_s, limit)
        if ended == "exit":
            ended = wait_until(proc, started + timeout_s)
        # Always: what the command left running in its group must not outlive it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        return ExecResult(
            exit_code=code if ended == "exit" else None,
            stdout=out.decode("utf-8", errors="replace"),
            stderr=err.decode("utf-8", errors="replace"),
            duration_s=time.monotonic() - started,
            ended=ended,
        )

    def open(
        self, cmd: Sequence[str], *, workdir: str = WORK_DIR, env: Mapping[str, str] | None = None
    ) -> LineStream:
        proc = subprocess.Popen(
            [self.host_path(a) for a in cmd],
            cwd=self.host_path(workdir),
            env=self._env(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._streams.append(proc)
        return pipe_stream(proc, lambda: end_process(proc))

    def _env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        """The minimal environment plus the spec's and the caller's, never this process's."""
        merged = {**BASE_ENV, "HOME": WORK_DIR, "TMPDIR": WORK_DIR, **self._spec.env, **(env or {})}
        return {k: self.host_path(v) for k, v in merged.items()}

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for proc in self._streams:
                end_process(proc)
            with contextlib.suppress(OSError):
                trees.remove(self._root)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    with contextlib.suppress(OSError):
        proc.stdin.write(data)
        proc.stdin.close()


class LocalBackend:
    name = "none"

    def start(self, spec: SandboxSpec) -> LocalSandbox:
        return LocalSandbox(spec)

    def image_identity(self, image: str) -> str | None:
        return None  # the host itself: nothing pins what the agent runs on
