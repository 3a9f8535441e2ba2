"""The docker backend: one fresh, hardened container per sandbox (the settings: docs/sandbox.md).

The container runs a keeper under docker-init and every command is an exec in it, as uid 1000.
The keeper is a shell reading requests from the container's attached stdin (`_KEEPER`). Until
the first command runs it unpacks copy_ins: one in-container `tar` (~3 ms) instead of a
put_archive (~40 ms: the engine re-executes its 75 MB binary for each one). From the first
command on, every copy_in goes through put_archive, so the engine, not a process the agent could
have tampered with, writes it. Copy-outs ask the keeper for a tar of the directory as well, at
any time: what comes out of a sandbox is hostile whoever packs it (the agent could have written
any bytes into those files, or into the keeper's output), so the host bounds and filters it the
same way; when the keeper cannot answer (killed, stopped, its stream garbled) the copy-out falls
back to get_archive. The work dir is a size-capped tmpfs-backed anonymous
volume (put_archive into a plain tmpfs silently does nothing on docker 20.10) that the engine
removes with the container (auto_remove); /tmp is a size-capped tmpfs; both count against the
memory limit. Timeouts and the output cap are enforced here, on the host: we read the exec's
multiplexed stream with a deadline, and on expiry kill every process in the container except
docker-init and the keeper, or the whole container when that fails (e.g. a fork bomb outruns
it). An exec'd process's OOM does not set State.OOMKilled, so OOM is read from the engine's
`oom` events.

A command that returns is not over either: whatever it started in the background keeps running
(into the copy-out, into the next command). After every command the container's cgroup is read
on the host (`cgroup.procs`, ~0.1 ms); anything beyond docker-init and the keeper is killed the
same way as on a timeout, before the command's result is returned. Killing is done from the
host by pidfd (root or the sandbox uid; each pidfd checked to be in the container's cgroup, so
a recycled pid is never hit), which takes microseconds and leaves no window for the process to
write; otherwise by a second exec inside the container. Where the cgroup cannot be found (a
remote engine), the engine's process list (`top`) is asked instead. nofile and core ulimits are
set on the container (no core dump reaches the host's core handler).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import select
import signal
import socket
import struct
import tempfile
import time
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import IO, Any

import docker.errors
from docker.types import DriverConfig, Mount, Ulimit

from godelbox.sandbox import copyout, transfer
from godelbox.sandbox import labels as lbl
from godelbox.sandbox.base import (
    GATEWAY_SOCKET,
    WORK_DIR,
    CopyReport,
    EndReason,
    ExecResult,
    SandboxError,
    SandboxSpec,
)
from godelbox.sandbox.engine import require_client
from godelbox.sandbox.stream import LineStream, framed_stream

SANDBOX_UID = 1000
USER = f"{SANDBOX_UID}:{SANDBOX_UID}"
RESIDENTS = 2
"""Processes a container holds between commands: docker-init and the keeper."""
KILL_GRACE_S = 5.0
KILL_ROUNDS = 200
"""Host-side kill passes before giving up (a fork bomb refills between passes)."""
FEED_TIMEOUT_S = 300.0
"""How long the keeper may take to unpack one copy_in, or send one copy-out (the size of a big
repository)."""
PACK_TIMEOUT_S = 20.0
"""How long the keeper may take to pack a copy-out before answering (seconds for the largest
work dir); then get_archive takes over, so an agent that stopped the keeper costs this once."""
KEEPER_ARCHIVE_CAP = 16 * 1024 * 1024
"""Largest copy-out taken from the keeper (a workspace of source files); larger ones go through
the engine's streamed archive."""
COPIED = b"godelbox-copied "
HOSTS_FILE = Path(__file__).resolve().parent / "hosts"
"""The sandbox's /etc/hosts: loopback names only."""
ARCHIVE = re.compile(rb"godelbox-archive ([0-9a-f]+) (\d+) (\d+)")
LINE_CAP = 256
"""Longest reply line the keeper writes before an archive."""

# Requests, one a line: `put <size>` followed by a tar of that size, unpacked into /work (dash's
# `read` takes one byte at a time from a pipe and `head -c` reads no further than asked, so
# archives stay framed; tar's messages, then its exit status); `get <nonce> <dir>`: a tar of
# that directory, packed to /tmp first so its size can lead it (`godelbox-archive <nonce>
# <status> <size>`, then the bytes; the nonce is new per request, so an answer the agent wrote
# into the keeper's output in advance does not pass, and it names the temporary file, which
# `set -C` refuses to write through anything already there). umask 0: tar as non-root applies
# the umask to the archive's modes, which pack() already restricted to 0o777.
_KEEPER = r"""umask 0
set -C
while read -r op arg dir; do
  case "$op" in
    put)
      head -c "$arg" | tar -x -C /work 2>&1
      echo "godelbox-copied $?" ;;
    get)
      out="/tmp/.godelbox-$arg"
      tar -c -C "${dir%/*}" -- "${dir##*/}" 2>/dev/null > "$out"
      status=$?
      echo "godelbox-archive $arg $status $(wc -c < "$out")"
      cat "$out"
      rm -f "$out" ;;
  esac
done
exec sleep infinity
"""

# A warm pool's sandbox gets its first command's exec started ahead of time (`prime`): this
# launcher, started by the engine like any exec, waits for one JSON line on its stdin (argv,
# working directory, environment), then becomes that command with execve, so the command is the
# engine's exec process and its exit status is the engine's to report. Nothing untrusted has run
# in the sandbox while it waits. EOF before the line: it exits, running nothing. A command that
# cannot start fails as the engine's exec does: status 126 and the reason on stdout.
_LAUNCHER = r"""
import json, os, sys
line = b""
while not line.endswith(b"\n"):
    byte = os.read(0, 1)
    if not byte:
        sys.exit(0)
    line += byte
order = json.loads(line)
argv = order["argv"]
env = dict(os.environ)
env.update(order["env"])
try:
    os.chdir(order["cwd"])
except OSError as err:
    why = f'chdir to cwd ("{order["cwd"]}") failed: {err.strerror.lower()}'
else:
    try:
        os.execvpe(argv[0], argv, env)
    except FileNotFoundError:
        why = f'exec: "{argv[0]}": executable file not found in $PATH'
    except OSError as err:
        why = f'exec: "{argv[0]}": {err.strerror.lower()}'
sys.stdout.write(f"exec failed: unable to start container process: {why}\n")
sys.exit(126)
"""

# Run by a second exec on timeout/output cap: SIGKILL everything but docker-init (pid 1), the
# keeper (pid 1's oldest child) and itself, until nothing else is left.
_KILL_ALL = r"""
import os, signal
def procs():
    out = []
    for d in os.listdir('/proc'):
        if d.isdigit():
            try:
                with open(f'/proc/{d}/stat') as f:
                    fields = f.read().rsplit(')', 1)[1].split()
                out.append((int(d), int(fields[1]), int(fields[19])))
            except (OSError, IndexError, ValueError):
                pass
    return out
for _ in range(50):
    ps = procs()
    kids = sorted((start, pid) for pid, ppid, start in ps if ppid == 1)
    keep = {1, os.getpid()} | ({kids[0][1]} if kids else set())
    victims = [pid for pid, _, _ in ps if pid not in keep]
    if not victims:
        break
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
"""


class DockerSandbox:
    def __init__(self, client, container, spec: SandboxSpec, reaper: Executor, attached) -> None:
        self._client = client
        self._reaper = reaper
        self._container = container
        self._spec = spec
        self._attached = attached
        self._feed: socket.socket | None = getattr(attached, "_sock", attached)
        """The keeper's stdin and output; None once it broke or the sandbox closed."""
        self._ran = False
        """A command has run: from now on only the engine writes into the sandbox."""
        self._dead = False
        self._closed = False
        self._procs: Path | bool | None = None
        """The container's cgroup.procs on this host; None until looked for, False if absent."""
        self._primed: tuple[str, Any, socket.socket] | None = None
        """A launcher exec started ahead for the first command (`prime`), until it is used."""

    @property
    def container_id(self) -> str:
        return self._container.id

    def __enter__(self) -> DockerSandbox:
        return self

    def alive(self) -> bool:
        """False when the container is known to be gone (its keeper's channel closed); a
        sandbox that already ran a command is assumed alive."""
        if self._closed or self._dead:
            return False
        if self._feed is None:
            return True
        readable, _, _ = select.select([self._feed], [], [], 0)
        return not readable  # the keeper says nothing until asked: EOF or noise means gone

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prime(self) -> None:
        """Start the first command's exec now, off the caller's clock (a warm pool's filler):
        the engine's exec round trip (~45 ms: dockerd, containerd, the shim, a runc process
        joining the namespaces) and the launcher's start are then paid before the sandbox is
        handed out. Best effort: without it the first command is an ordinary exec."""
        if self._primed is None and not self._ran and not self._closed:
            with contextlib.suppress(SandboxError):
                self._primed = self._start_exec(
                    ["python3", "-I", "-S", "-c", _LAUNCHER], "/", None, stdin=True
                )

    def _take_primed(self) -> tuple[str, Any, socket.socket] | None:
        """The primed launcher, if it is still waiting (it says nothing until told what to
        run: EOF or output means it is gone); dropped either way."""
        primed, self._primed = self._primed, None
        if primed is None:
            return None
        if select.select([primed[2]], [], [], 0)[0]:
            _close_exec(primed[1], primed[2])
            return None
        return primed

    def _drop_primed(self) -> None:
        """Hang up an unused launcher: on EOF it exits without running anything."""
        primed = self._take_primed()
        if primed is not None:
            _close_exec(primed[1], primed[2])

    def copy_in(self, src: Path, dest: str) -> None:
        with tempfile.TemporaryFile() as archive:
            transfer.pack(Path(src), transfer.under_work(dest), archive)
            keeper = self._feed is not None and not self._ran
            if keeper and self._feed_keeper(archive, f"{src} to {dest}"):
                return
            try:
                ok = self._container.put_archive(WORK_DIR, archive)
            except docker.errors.NotFound:
                ok = False
            if not ok:
                raise SandboxError(f"copying {src} into the sandbox at {dest} failed{self._why()}")

    def _feed_keeper(self, archive: IO[bytes], what: str) -> bool:
        """Have the keeper unpack `archive` into the work dir. False when it cannot (the
        channel broke, or the image has no tar): the caller falls back to put_archive."""
        assert self._feed is not None
        size = archive.seek(0, 2)
        archive.seek(0)
        try:
            said = _exchange(self._feed, b"put %d\n" % size, archive, FEED_TIMEOUT_S)
        except OSError:
            said = None
        status = said.status() if said else None
        if status == b"0":
            return True
        self._end_feed()  # a failed copy may have left the stream mid-archive
        archive.seek(0)
        if said is None or status == b"127":  # 127: the image has no tar
            return False
        limit = self._spec.limits.work_mb
        raise SandboxError(
            f"copying {what} in the sandbox failed (work dir limit {limit} MB): {said.message()}"
        )

    def _end_feed(self) -> None:
        """Hang up the keeper's stdin: it stops reading and becomes `sleep infinity`; every
        later copy goes through the engine."""
        if self._feed is not None:
            _hang_up(self._feed)
            self._attached.close()
            self._feed = None

    def copy_out(self, src: str, dest: Path, *, skip: Collection[str] = ()) -> CopyReport:
        transfer.under_work(src)
        limits = self._spec.limits.copy_out
        top = PurePosixPath(src).name
        with tempfile.TemporaryFile() as archive:
            if self._archive_from_keeper(src, archive):
                archive.seek(0)
                return copyout.from_tar(archive, top, dest, limits, skip)
        api = self._client.api
        # The raw response, read as it arrives: copyout stops reading (and we hang up) at
        # the first limit, so a huge tree never crosses to the host. Uncompressed: the engine
        # would otherwise gzip the tree for a unix socket (7x slower on random bytes).
        response = api._get(
            api._url("/containers/{0}/archive", self._container.id),
            params={"path": src},
            stream=True,
            headers={"Accept-Encoding": "identity"},
        )
        try:
            try:
                api._raise_for_status(response)
            except docker.errors.NotFound:
                raise SandboxError(f"{src} does not exist in the sandbox{self._why()}") from None
            return copyout.from_tar(response.raw, top, dest, limits, skip)
        finally:
            response.close()

    def _archive_from_keeper(self, src: str, archive: IO[bytes]) -> bool:
        """Have the keeper pack `src` into `archive` (no engine round trip, no re-exec of the
        engine). False when it cannot: the caller falls back to get_archive."""
        if self._feed is None or not src.isprintable():
            return False
        # The keeper's archive is held whole on the host before copyout reads it, so only a
        # small one is taken this way; a larger tree streams through get_archive, where copyout
        # refuses it at the first entry over a limit without holding any of it.
        limits = self._spec.limits
        held = min(limits.work_mb, limits.copy_out.total_mb) * 1024 * 1024
        cap = min(KEEPER_ARCHIVE_CAP, held + limits.copy_out.files * 1024 + 1024 * 1024)
        try:
            fetched = _fetch(self._feed, src, archive, cap)
        except OSError:
            fetched = False
        if not fetched:
            self._end_feed()  # the stream may be mid-archive: never read it again
            archive.seek(0)
            archive.truncate()
        return fetched

    def run(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        if self._dead or self._closed:
            raise SandboxError(f"cannot run in this sandbox{self._why()}; start a new one")
        self._ran = True  # from here on the sandbox holds untrusted state
        started = time.monotonic()
        since = time.time() - 0.5  # the engine's clock is the same host clock; some slack
        cap = self._spec.limits.output_limit_bytes
        deadline = started + timeout_s
        exec_id, out, err, ended = self._exec(cmd, deadline, cap, workdir, env, stdin)
        # EOF is not the end: a process may close its output and keep running.
        code = self._exit_code(exec_id, deadline) if ended == "exit" else None
        if code is None:
            if ended == "exit":
                ended = "timeout"
            self._kill_processes()
            code = self._exit_code(exec_id, time.monotonic() + KILL_GRACE_S)
        else:
            self._kill_leftovers()
        # Any OOM kill during the command (of it or of a child) is reported as "oom".
        if ended == "exit" and code != 0 and self._oom_since(since, patient=code == 137):
            ended = "oom"
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
        if self._dead or self._closed:
            raise SandboxError(f"cannot run in this sandbox{self._why()}; start a new one")
        self._end_feed()
        self._drop_primed()
        _, raw, sock = self._start_exec(cmd, workdir, env, stdin=True)
        return framed_stream(sock, functools.partial(_close_exec, raw, sock))

    def _start_exec(
        self, cmd: Sequence[str], workdir: str, env: Mapping[str, str] | None, *, stdin: bool
    ) -> tuple[str, Any, socket.socket]:
        """(exec id, the engine's response, its socket) of a started exec as uid 1000."""
        api = self._client.api
        try:
            exec_id = api.exec_create(
                self._container.id,
                list(cmd),
                stdout=True,
                stderr=True,
                stdin=stdin,
                user=USER,
                workdir=workdir,
                environment=dict(env or {}),
            )["Id"]
            raw = api.exec_start(exec_id, socket=True)
        except docker.errors.APIError as err:
            # The keeper died (e.g. the agent ran `kill -9 -1`): the container is gone.
            self._dead = True
            raise SandboxError(f"the sandbox is gone: {err.explanation or err}") from None
        return exec_id, raw, getattr(raw, "_sock", raw)

    def _exec(
        self,
        cmd: Sequence[str],
        deadline: float,
        cap: int,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> tuple[str, bytes, bytes, EndReason]:
        primed = self._take_primed()
        if primed is not None:
            exec_id, raw, sock = primed
            order = {"argv": list(cmd), "cwd": workdir, "env": dict(env or {})}
            stdin = json.dumps(order).encode() + b"\n" + (stdin or b"")
        else:
            exec_id, raw, sock = self._start_exec(cmd, workdir, env, stdin=stdin is not None)
        try:
            if stdin is not None:
                # A process that never reads its stdin must not hang us past the deadline.
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                try:
                    sock.sendall(stdin)
                except TimeoutError:
                    return exec_id, b"", b"", "timeout"
                sock.shutdown(socket.SHUT_WR)
                sock.settimeout(None)
            return (exec_id, *_read_frames(sock, deadline, cap))
        finally:
            _close_exec(raw, sock)

    def close(self) -> None:
        """Destroy the container (and its work volume, via auto_remove). The kill is queued on
        the backend's reaper thread so teardown overlaps the caller's next step; the reaper is
        joined at interpreter exit, and the sweep catches anything a crash leaves behind."""
        if self._closed:
            return
        self._closed = True
        self._end_feed()
        self._drop_primed()
        try:
            self._reaper.submit(_destroy, self._container)
        except RuntimeError:  # the interpreter is exiting (a warm pool's atexit): no reaper
            _destroy(self._container)

    def discard(self) -> None:
        """Destroy the container now and wait until the engine has removed it (a warm pool
        shutting down: nothing of ours may outlive the process)."""
        self._closed = True
        self._end_feed()
        self._drop_primed()
        _destroy(self._container)
        with contextlib.suppress(docker.errors.APIError, OSError):
            self._client.api.wait(self._container.id, timeout=30, condition="removed")

    def _why(self) -> str:
        if self._dead:
            return " (the sandbox was killed: fork bomb or unkillable processes)"
        return " (the sandbox is closed)" if self._closed else ""

    def _exit_code(self, exec_id: str, deadline: float) -> int | None:
        """The exec's exit code once it has finished, or None if still running at `deadline`."""
        while True:
            info = self._client.api.exec_inspect(exec_id)
            if not info["Running"]:
                return info["ExitCode"]
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def _kill_processes(self) -> None:
        """Kill everything the command left behind (or still runs, on a timeout): from the
        host when we may, else by a second exec; the container itself if both fail."""
        if self._kill_from_host():
            return
        with contextlib.suppress(SandboxError):
            deadline = time.monotonic() + KILL_GRACE_S
            exec_id, _, _, ended = self._exec(["python3", "-c", _KILL_ALL], deadline, 65536)
            if ended == "exit" and self._exit_code(exec_id, deadline) == 0:
                return
        self._dead = True
        with contextlib.suppress(docker.errors.APIError):
            self._container.kill()

    def _kill_leftovers(self) -> None:
        """Kill what the command left running in the background (see the module docstring);
        the container itself when that does not leave it with only its residents."""
        if len(self._members()) <= RESIDENTS:
            return
        self._kill_processes()
        if not self._dead and len(self._live_members()) > RESIDENTS:
            self._dead = True
            with contextlib.suppress(docker.errors.APIError):
                self._container.kill()

    def _members(self) -> list[int]:
        """Host pids of the container's processes: its cgroup.procs, else the engine's `top`."""
        if self._procs is None:
            self._procs = _cgroup_procs(self._client.api, self._container.id) or False
        if self._procs:
            try:
                return [int(pid) for pid in self._procs.read_bytes().split()]
            except OSError:  # the container is gone
                return []
        try:
            return [int(row[1]) for row in self._client.api.top(self._container.id)["Processes"]]
        except (docker.errors.APIError, KeyError, IndexError, ValueError):
            return []

    def _live_members(self) -> list[int]:
        """`_members` without zombies where they are this host's pids (cgroup.procs): a killed
        process stays listed until docker-init reaps it, which on a busy machine can outlast our
        kill passes. The engine's `top` list (a remote engine's pids) is taken as it is."""
        members = self._members()
        return [pid for pid in members if _stat(pid) is not None] if self._procs else members

    def _kill_from_host(self) -> bool:
        """SIGKILL every member of the container's cgroup but docker-init and the keeper, by
        pidfd (a pid reused by another host process is never signalled: each pidfd is checked
        to be in this container's cgroup), until none is left. False when this process may
        not (not root nor the sandbox uid, no cgroup found) or cannot finish."""
        if not self._procs or os.geteuid() not in (0, SANDBOX_UID):
            return False
        try:
            init = self._client.api.inspect_container(self._container.id)["State"]["Pid"]
        except (docker.errors.APIError, KeyError):
            return False
        for _ in range(KILL_ROUNDS):
            victims = _victims(self._members(), init)
            if not victims:
                return True
            for pid in victims:
                _kill_member(pid, self._container.id)
            time.sleep(0.001)
        return False

    def _oom_since(self, since: float, *, patient: bool) -> bool:
        """Did the engine report an OOM kill in this container since `since`? When `patient`,
        look once more a moment later: the event can trail the exec's end."""
        for attempt in range(2 if patient else 1):
            if attempt:
                time.sleep(0.3)
            events = self._client.api.events(
                since=since,
                until=time.time(),
                filters={"container": self._container.id, "event": "oom"},
                decode=True,
            )
            if any(True for _ in events):
                return True
        return False


CGROUP_ROOTS = (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup"))
"""cgroup v1's pids hierarchy, then v2's unified one."""


def _victims(members: list[int], init: int) -> list[int]:
    """Members other than docker-init and the keeper (init's oldest child)."""
    children = []
    for pid in members:
        stat = _stat(pid)
        if stat is not None and stat[0] == init:
            children.append((stat[1], pid))
    keep = {init, min(children)[1]} if children else {init}
    return [pid for pid in members if pid not in keep]


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a host process, or None if it is gone or a zombie: a killed
    process stays in its cgroup until docker-init reaps it, which on a busy machine can take
    longer than our kill passes, and there is nothing left in it to kill."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return None if fields[0] == "Z" else (int(fields[1]), int(fields[19]))
    except (OSError, IndexError, ValueError):
        return None


def _kill_member(pid: int, container_id: str) -> None:
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # gone already
        return
    try:
        if container_id in Path(f"/proc/{pid}/cgroup").read_text():
            signal.pidfd_send_signal(fd, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cgroup_procs(api, container_id: str) -> Path | None:
    """The host file listing the container's processes. Where the engine's cgroup drivers
    put it (cgroupfs or systemd, v1 or v2), else where its init process says it is; only a
    path naming the container counts (a remote engine's pid means nothing here)."""
    for root in CGROUP_ROOTS:
        for rel in (f"docker/{container_id}", f"system.slice/docker-{container_id}.scope"):
            if (root / rel / "cgroup.procs").is_file():
                return root / rel / "cgroup.procs"
    try:
        pid = api.inspect_container(container_id)["State"]["Pid"]
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except (docker.errors.APIError, OSError, KeyError):
        return None
    for line in lines:
        _, controllers, rel = line.split(":", 2)
        pids_v1 = "pids" in controllers.split(",")
        if container_id not in rel or not (pids_v1 or controllers == ""):
            continue
        candidate = CGROUP_ROOTS[0 if pids_v1 else 1] / rel.lstrip("/") / "cgroup.procs"
        if candidate.is_file():
            return candidate
    return None


def _read_frames(sock: socket.socket, deadline: float, cap: int) -> tuple[bytes, bytes, EndReason]:
    """Read docker's multiplexed exec stream (8-byte headers) until EOF, deadline or cap.

    Never holds more than `cap` bytes of output; on the cap the rest is not read."""
    bufs = {1: bytearray(), 2: bytearray()}
    pending = bytearray()
    total = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(bufs[1]), bytes(bufs[2]), "timeout"
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            continue
        chunk = sock.recv(65536)
        if not chunk:
            return bytes(bufs[1]), bytes(bufs[2]), "exit"
        pending += chunk
        while len(pending) >= 8:
            kind, size = struct.unpack(">BxxxL", pending[:8])
            if len(pending) < 8 + size:
                break
            payload = bytes(pending[8 : 8 + size])
            del pending[: 8 + size]
            room = cap - total
            bufs[2 if kind == 2 else 1] += payload[:room]
            total += len(payload)
            if total > cap:
                return bytes(bufs[1]), bytes(bufs[2]), "output_cap"
        if total + len(pending) > cap + 8 + 65536:
            # One frame larger than the cap allows (docker's frames are ≤ 32 KiB): stop here.
            return bytes(bufs[1]), bytes(bufs[2]), "output_cap"


class _KeeperOutput:
    """The keeper's multiplexed output (stdout and stderr frames in order), last 64 KiB."""

    TAIL = 65536

    def __init__(self) -> None:
        self._text = bytearray()
        self._pending = bytearray()

    def add(self, chunk: bytes) -> None:
        self._pending += chunk
        while len(self._pending) >= 8:
            _, size = struct.unpack(">BxxxL", self._pending[:8])
            if len(self._pending) < 8 + size:
                break
            self._text += self._pending[8 : 8 + size]
            del self._pending[: 8 + size]
        del self._text[: -self.TAIL]

    def status(self) -> bytes | None:
        """tar's exit status once the keeper has reported it (its last, complete line)."""
        if not self._text.endswith(b"\n"):
            return None
        last = self._text[:-1].rsplit(b"\n", 1)[-1]
        return bytes(last[len(COPIED) :]) if last.startswith(COPIED) else None

    def message(self, lines: int = 4) -> str:
        """The last `lines` lines tar said before its status (it may say one per file)."""
        said = bytes(self._text).decode("utf-8", errors="replace").splitlines()[:-1]
        return "\n".join(said[-lines:]).strip()


def _exchange(
    sock: socket.socket, header: bytes, body: IO[bytes], timeout_s: float
) -> _KeeperOutput | None:
    """Send `header` + `body` to the keeper while reading its output (so a tar that reports
    thousands of errors cannot block on a full pipe while we block on sending), until it
    reports a status; None on EOF or after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    output = _KeeperOutput()
    chunk, sending = header, True
    timeout = sock.gettimeout()
    sock.setblocking(False)
    try:
        while output.status() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            readable, writable, _ = select.select([sock], [sock] if sending else [], [], left)
            if readable:
                data = sock.recv(65536)
                if not data:
                    return None
                output.add(data)
            if writable:
                chunk = chunk or body.read(65536)
                if chunk:
                    with contextlib.suppress(BlockingIOError):
                        chunk = chunk[sock.send(chunk) :]
                else:
                    sending = False
        return output
    finally:
        sock.settimeout(timeout)


def _frames(pending: bytearray) -> Iterator[tuple[int, bytes]]:
    """Complete (stream, payload) frames of docker's multiplexed stream, taken off `pending`."""
    while len(pending) >= 8:
        kind, size = struct.unpack(">BxxxL", pending[:8])
        if len(pending) < 8 + size:
            return
        payload = bytes(pending[8 : 8 + size])
        del pending[: 8 + size]
        yield kind, payload


def _fetch(sock: socket.socket, src: str, archive: IO[bytes], cap: int) -> bool:
    """Ask the keeper for a tar of `src` and copy the archive it answers with into `archive`.
    Whatever the agent may have written into the keeper's output before is dropped first;
    False when the answer is not exactly one well-formed archive of at most `cap` bytes under
    this request's nonce, or does not start within PACK_TIMEOUT_S or end within
    FEED_TIMEOUT_S."""
    nonce = secrets.token_hex(8).encode()
    request = b"get %s %s\n" % (nonce, src.encode())
    asked = time.monotonic()
    dropped = 0
    while select.select([sock], [], [], 0)[0]:
        chunk = sock.recv(65536)
        dropped += len(chunk)
        if not chunk or dropped > cap:
            return False
    sock.sendall(request)
    pending, line = bytearray(), bytearray()
    size: int | None = None
    received = 0
    while size is None or received < size:
        left = asked + (PACK_TIMEOUT_S if size is None else FEED_TIMEOUT_S) - time.monotonic()
        if left <= 0 or not select.select([sock], [], [], left)[0]:
            return False
        chunk = sock.recv(65536)
        if not chunk or len(pending) + len(chunk) > cap + LINE_CAP:
            return False
        pending += chunk
        for kind, payload in _frames(pending):
            if kind != 1:
                continue  # stderr: tar's is sent to /dev/null, so this is someone else's
            if size is None:
                line += payload
                end = line.find(b"\n")
                if end < 0:
                    if len(line) > LINE_CAP:
                        return False
                    continue
                said = ARCHIVE.fullmatch(bytes(line[:end]))
                if said is None or said.group(1) != nonce or said.group(2) != b"0":
                    return False
                size, payload = int(said.group(3)), bytes(line[end + 1 :])
                if size > cap:
                    return False
            if received + len(payload) > size:
                return False  # more than announced: not (only) the keeper's answer
            archive.write(payload)
            received += len(payload)
    return not pending


def _hang_up(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def _close_exec(raw, sock: socket.socket) -> None:
    """Hang up an exec's stream: shutdown, not just close, because the engine's response `raw`
    still holds a reference to the socket, and an unread, open stream blocks the engine's copier
    (and our kill exec)."""
    _hang_up(sock)
    raw.close()


def _destroy(container) -> None:
    try:
        container.kill()  # auto_remove: the engine removes it and its work volume
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError:  # not running (keeper gone): remove it ourselves
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True, v=True)


class DockerBackend:
    """Starts hardened containers. Sweeps leftovers of dead runs once, when first used."""

    name = "docker"

    def __init__(self, client=None, *, sweep: bool = True) -> None:
        self._client = client or require_client()
        self._swept = not sweep
        self._reaper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="godelbox-reaper")

    def image_identity(self, image: str) -> str | None:
        """The image's content id (a rebuilt image under the same tag gets a new one)."""
        try:
            return str(self._client.api.inspect_image(image)["Id"])
        except docker.errors.ImageNotFound:
            return None

    def start(self, spec: SandboxSpec) -> DockerSandbox:
        if not self._swept:
            sweep_docker(self._client)
            self._swept = True
        api, limits = self._client.api, spec.limits
        labels = lbl.owner_labels(spec.labels)
        # An anonymous tmpfs-backed volume: the engine removes it with the container
        # (auto_remove), so close() is one kill and the teardown happens off our clock.
        mounts = [
            Mount(
                WORK_DIR,
                None,
                type="volume",
                no_copy=True,
                labels=labels,
                driver_config=DriverConfig(
                    "local",
                    {
                        "type": "tmpfs",
                        "device": "tmpfs",
                        "o": f"size={limits.work_mb}m,nr_inodes={limits.work_inodes},"
                        "uid=1000,gid=1000,mode=0700,nosuid,nodev",
                    },
                ),
            )
        ]
        # With networking disabled the engine writes no /etc/hosts, and "localhost" (what
        # chromedriver's client and many test suites connect to) would not resolve.
        mounts.append(Mount("/etc/hosts", str(HOSTS_FILE), type="bind", read_only=True))
        if spec.gateway_socket is not None:
            # The socket's directory, read-only: the agent can connect() (no EROFS for
            # sockets) but cannot replace the socket with its own.
            mounts.append(
                Mount(
                    str(PurePosixPath(GATEWAY_SOCKET).parent),
                    str(Path(spec.gateway_socket).parent),
                    type="bind",
                    read_only=True,
                )
            )
        weight = {"cpu_shares": limits.cpu_shares} if limits.cpu_shares else {}
        host_config = api.create_host_config(
            **weight,
            auto_remove=True,
            init=True,
            network_mode="none",
            read_only=True,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            nano_cpus=int(limits.cpus * 1e9),
            pids_limit=limits.pids,
            ulimits=[
                Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
                Ulimit(name="core", soft=0, hard=0),
            ],
            tmpfs={"/tmp": f"size={limits.tmp_mb}m,mode=1777,nosuid,nodev"},
            mounts=mounts,
        )
        try:
            cid = api.create_container(
                spec.image,
                ["sh", "-c", _KEEPER],
                stdin_open=True,
                name=f"godelbox-{uuid.uuid4().hex[:12]}",
                # With network_mode none as well: runc still gives the container a network
                # namespace of its own with only loopback, but the engine no longer adds its
                # libnetwork prestart hook, which re-executes dockerd's 75 MB binary on every
                # start (~60 ms of CPU each, serialised against the other worker's).
                network_disabled=True,
                user=USER,
                working_dir=WORK_DIR,
                environment=dict(spec.env),
                labels=labels,
                host_config=host_config,
            )["Id"]
        except docker.errors.ImageNotFound:
            raise SandboxError(
                f"image {spec.image} not found; build it with `godelbox sandbox build`"
            ) from None
        attached = None
        try:
            # Attached before start so the keeper's first line cannot be missed.
            attached = api.attach_socket(
                cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}
            )
            api.start(cid)
        except BaseException:
            if attached is not None:
                _hang_up(getattr(attached, "_sock", attached))
            api.remove_container(cid, v=True, force=True)
            raise
        container = self._client.containers.prepare_model({"Id": cid})
        return DockerSandbox(self._client, container, spec, self._reaper, attached)


def sweep_docker(client=None) -> list[str]:
    """Remove containers and volumes whose owning godelbox process is gone; return their names.

    Only objects carrying our owner labels are considered; live runs are never touched."""
    client = client or require_client()
    removed: list[str] = []
    selector = {"label": lbl.OWNER_PID}
    # Low-level listing: no per-container inspect that races with auto-removal.
    for info in client.api.containers(all=True, filters=selector):
        if not lbl.owner_alive(info.get("Labels") or {}):
            try:
                client.api.remove_container(info["Id"], force=True, v=True)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as err:
                if err.status_code != 409:  # 409: another sweep is removing it right now
                    raise
            removed.append(info["Names"][0].lstrip("/"))
    for volume in client.volumes.list(filters=selector):
        if not lbl.owner_alive(volume.attrs.get("Labels") or {}):
            try:
                volume.remove(force=True)
                removed.append(volume.name)
            except docker.errors.APIError:  # still used by a live run's container
                continue
    return removed
