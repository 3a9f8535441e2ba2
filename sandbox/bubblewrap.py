"""The bubblewrap fallback: the agent image's rootfs, read-only, in fresh namespaces, as uid 1000.

Used when no docker engine can be had. Every command (and every copy, done by `tar` running
inside the sandbox so symlinks resolve there, never on the host) is one `bwrap` invocation:
`--unshare-all` (no network: only an unconfigured loopback), `--die-with-parent`,
`--new-session`, `--disable-userns`, read-only rootfs, private size-capped /tmp, a seccomp filter
close to docker's default (`seccomp`), and WORK_DIR bound from a host directory that persists
for the sandbox's life. That directory is a tmpfs capped in size and inodes, which needs root;
without root (or when the mount fails) the backend refuses to start, naming what is missing,
unless `sandbox.unbounded_work_dir` accepts a work dir bounded only per file. As root we drop to
uid 1000 with `setpriv` before `bwrap`, so the sandbox's user namespace maps to an unprivileged
host uid. Limits: a memory+pids cgroup when the host offers one (then OOM kills are counted),
otherwise AS and NPROC rlimits; FSIZE, CPU, NOFILE and CORE (0) rlimits always. When a command
returns, its pid namespace dies with it: nothing it started keeps running.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import IO

from godelbox import trees
from godelbox.sandbox import cgroup as cgroups
from godelbox.sandbox import copyout, seccomp, transfer
from godelbox.sandbox import labels as lbl
from godelbox.sandbox.base import (
    GATEWAY_SOCKET,
    WORK_DIR,
    CopyReport,
    ExecResult,
    SandboxError,
    SandboxSpec,
)
from godelbox.sandbox.cgroup import Cgroup
from godelbox.sandbox.process import read_capped, wait_until
from godelbox.sandbox.stream import LineStream, end_process, pipe_stream

UID = 1000
NEEDS_ROOT = (
    f"the bubblewrap sandbox can bound the disk and inodes of {WORK_DIR} only as root (a "
    "size-capped tmpfs); run as root, use the docker backend, or set "
    "sandbox.unbounded_work_dir = true to accept a work dir bounded only per file (RLIMIT_FSIZE)"
)
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/home/agent",
    "LANG": "C.UTF-8",
    "TMPDIR": "/tmp",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
}
MB = 1024 * 1024
WORK_PREFIX = "godelbox-bwrap-"
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
STREAM_CPU_S = 24 * 3600
"""CPU-time rlimit of a streamed process: it lives as long as its stream (one evaluation)."""
COPY_TIMEOUT_S = 300.0


class BubblewrapSandbox:
    def __init__(
        self,
        rootfs: Path,
        spec: SandboxSpec,
        cgroup: Cgroup | None,
        *,
        seccomp_arch: seccomp.Arch,
        unbounded_work_dir: bool = False,
    ) -> None:
        self._rootfs = rootfs
        self._spec = spec
        self._cgroup = cgroup
        self._seccomp = seccomp_arch
        self._closed = False
        self._streams: list[subprocess.Popen[bytes]] = []
        self._work = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{lbl.owner_token()}-"))
        _check_reachable(self._work.parent)
        # localhost must resolve, as it does under docker (chromedriver is reached by name);
        # the rootfs's own /etc/hosts is empty.
        self._etc = Path(tempfile.mkdtemp(prefix=f"{WORK_PREFIX}{lbl.owner_token()}-"))
        (self._etc / "hosts").write_text(HOSTS)
        self._etc.chmod(0o755)  # bwrap runs as the sandbox's uid and must read it
        try:
            self._mounted = self._bound_work_dir(unbounded_work_dir)
        except BaseException:
            self._work.rmdir()
            trees.remove(self._etc)
            raise

    def _bound_work_dir(self, unbounded_ok: bool) -> bool:
        """Mount a tmpfs capped in size and inodes on the work dir; True when mounted. Without
        one, refuse unless the user accepted an unbounded work dir."""
        if os.geteuid() != 0:
            if unbounded_ok:
                return False
            raise SandboxError(NEEDS_ROOT)
        limits = self._spec.limits
        opts = (
            f"size={limits.work_mb}m,nr_inodes={limits.work_inodes},uid={UID},gid={UID},"
            "mode=0700,nosuid,nodev"
        )
        mount = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(self._work)],
                               capture_output=True, text=True, check=False)  # fmt: skip
        if mount.returncode == 0:
            return True
        if not unbounded_ok:
            raise SandboxError(
                f"cannot bound the bubblewrap sandbox's {WORK_DIR}: mounting a size-capped "
                f"tmpfs failed ({mount.stderr.strip()}); use the docker backend, or set "
                "sandbox.unbounded_work_dir = true to accept a work dir bounded only per file"
            )
        os.chown(self._work, UID, UID)
        return False

    def __enter__(self) -> BubblewrapSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def copy_in(self, src: Path, dest: str) -> None:
        rel = transfer.under_work(dest)
        with tempfile.TemporaryFile() as archive:
            transfer.pack(Path(src), rel, archive)
            res = self._exec(["tar", "-x", "-C", WORK_DIR], COPY_TIMEOUT_S, stdin=archive)
        if not res.ok:
            raise SandboxError(f"copying {src} into the sandbox at {dest} failed: {res.stderr}")

    def copy_out(self, src: str, dest: Path, *, skip: Collection[str] = ()) -> CopyReport:
        rel = transfer.under_work(src)
        parent = str(PurePosixPath(WORK_DIR, *rel.parts[:-1]))
        # tar runs inside a fresh sandbox (links resolve there) and streams to copyout, which
        # stops reading at the first limit; the watchdog ends a tar that stalls.
        with tempfile.TemporaryFile() as errors:
            proc = self._spawn(["tar", "-c", "-C", parent, rel.name], COPY_TIMEOUT_S, stderr=errors)
            watchdog = threading.Timer(COPY_TIMEOUT_S, self._kill, args=(proc,))
            watchdog.start()
            try:
                assert proc.stdout is not None
                report = copyout.from_tar(
                    proc.stdout, rel.name, Path(dest), self._spec.limits.copy_out, skip
                )
            except SandboxError as err:
                errors.seek(0)
                said = errors.read(2000).decode("utf-8", "replace").strip()
                raise type(err)(f"{err}{f' (tar: {said})' if said else ''}") from None
            finally:
                watchdog.cancel()
                self._kill(proc)
                proc.wait()
        return report

    def run(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        return self._exec(cmd, timeout_s, workdir=workdir, env=env, stdin=stdin)

    def open(
        self, cmd: Sequence[str], *, workdir: str = WORK_DIR, env: Mapping[str, str] | None = None
    ) -> LineStream:
        proc = self._spawn(cmd, STREAM_CPU_S, workdir=workdir, env=env, stdin=subprocess.PIPE)
        self._streams.append(proc)
        return pipe_stream(proc, lambda: end_process(proc))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for proc in self._streams:
            end_process(proc)
        if self._cgroup is not None:
            self._cgroup.remove()
        if self._mounted:
            subprocess.run(["umount", "-l", str(self._work)], check=False)
        with contextlib.suppress(OSError):
            trees.remove(self._work)
        with contextlib.suppress(OSError):
            trees.remove(self._etc)

    def _exec(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | IO[bytes] | None = None,
    ) -> ExecResult:
        limits = self._spec.limits
        started = time.monotonic()
        ooms = self._cgroup.oom_kills() if self._cgroup else 0
        proc = self._spawn(cmd, timeout_s, workdir=workdir, env=env, stdin=stdin)
        feeder = None
        if isinstance(stdin, bytes) and proc.stdin is not None:
            feeder = threading.Thread(target=_feed, args=(proc.stdin, stdin), daemon=True)
            feeder.start()
        out, err, ended = read_capped(proc, started + timeout_s, limits.output_limit_bytes)
        if ended == "exit":
            ended = wait_until(proc, started + timeout_s)
        if ended != "exit":
            self._kill(proc)
        code = proc.wait()
        if feeder is not None:
            feeder.join(timeout=1)
        if self._cgroup and self._cgroup.oom_kills() > ooms:
            ended = "oom"
        return ExecResult(
            exit_code=code if ended == "exit" else None,
            stdout=out.decode("utf-8", errors="replace"),
            stderr=err.decode("utf-8", errors="replace"),
            duration_s=time.monotonic() - started,
            ended=ended,
        )

    def _spawn(
        self,
        cmd: Sequence[str],
        timeout_s: float,
        *,
        workdir: str = WORK_DIR,
        env: Mapping[str, str] | None = None,
        stdin: bytes | IO[bytes] | int | None = None,
        stderr: int | IO[bytes] = subprocess.PIPE,
    ) -> subprocess.Popen[bytes]:
        """`stdin`: bytes (fed by the caller through a pipe), a file or `subprocess.PIPE`."""
        if self._closed:
            raise SandboxError("this sandbox is closed; start a new one")
        rules = seccomp.filter_fd(self._seccomp)
        try:
            return subprocess.Popen(
                [*self._prefix(), *self._bwrap_args(workdir, env, rules), "--", *cmd],
                stdin=stdin
                if _is_file(stdin)
                else (subprocess.PIPE if stdin else subprocess.DEVNULL),
                stdout=subprocess.PIPE,
                stderr=stderr,
                start_new_session=True,
                pass_fds=(rules,),
                preexec_fn=lambda: self._enter_limits(timeout_s),
            )
        finally:
            os.close(rules)

    def _prefix(self) -> list[str]:
        if os.geteuid() != 0:
            return []
        return ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--"]

    def _bwrap_args(self, workdir: str, env: Mapping[str, str] | None, rules: int) -> list[str]:
        limits = self._spec.limits
        args = [
            "bwrap",
            "--seccomp", str(rules),
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--uid", str(UID), "--gid", str(UID),
            "--hostname", "godelbox",
            "--ro-bind", str(self._rootfs), "/",
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", str(limits.tmp_mb * MB), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",
            "--size", str(limits.tmp_mb * MB), "--tmpfs", "/tmp",
            "--bind", str(self._work), WORK_DIR,
            "--ro-bind", str(self._etc / "hosts"), "/etc/hosts",
        ]  # fmt: skip
        if self._spec.gateway_socket is not None:
            gateway_dir = str(PurePosixPath(GATEWAY_SOCKET).parent)
            args += ["--tmpfs", "/run", "--ro-bind", str(Path(self._spec.gateway_socket).parent),
                     gateway_dir, "--remount-ro", "/run"]  # fmt: skip
        args += ["--clearenv", "--chdir", workdir]
        for key, value in {**BASE_ENV, **self._spec.env, **(env or {})}.items():
            args += ["--setenv", key, value]
        return args

    def _enter_limits(self, timeout_s: float) -> None:
        """In the child, before exec: join the cgroup, set rlimits (inherited by the sandbox)."""
        limits = self._spec.limits
        if self._cgroup is not None:
            self._cgroup.join(os.getpid())
        else:
            # No cgroup: address space is the only memory bound we have (generous, because
            # virtual size overstates use), so a memory bomb fails instead of hitting the host.
            _limit(resource.RLIMIT_AS, 4 * limits.memory_mb * MB)
            # And NPROC the only pids bound. It counts every process of host uid 1000 (docker
            # containers' included), which is why the cgroup's pids.max is preferred.
            _limit(resource.RLIMIT_NPROC, limits.pids)
        _limit(resource.RLIMIT_FSIZE, max(limits.work_mb, limits.tmp_mb) * MB)
        _limit(resource.RLIMIT_CPU, int(timeout_s * max(limits.cpus, 1)) + 2)
        _limit(resource.RLIMIT_CORE, 0)
        _limit(resource.RLIMIT_NOFILE, limits.nofile)

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        # The outer bwrap is our session's leader; its death SIGKILLs the sandbox's pid 1
        # (--die-with-parent), which takes the whole pid namespace with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        if self._cgroup is not None:
            self._cgroup.kill_all()


def _limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


def _is_file(stdin: object) -> bool:
    return stdin is not None and not isinstance(stdin, bytes)


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, OSError):
        pipe.write(data)
    with contextlib.suppress(BrokenPipeError, OSError):
        pipe.close()


class BubblewrapBackend:
    """Sandboxes over an extracted rootfs (by default the agent image's, from the build cache)."""

    name = "bubblewrap"

    def __init__(
        self, rootfs: Path | None = None, *, sweep: bool = True, unbounded_work_dir: bool = False
    ) -> None:
        if os.geteuid() != 0 and not unbounded_work_dir:
            raise SandboxError(NEEDS_ROOT)
        if shutil.which("bwrap") is None:
            raise SandboxError("bubblewrap is not installed: apt-get install bubblewrap")
        if rootfs is None:
            from godelbox.sandbox.image import AGENT_RECIPE

            rootfs = AGENT_RECIPE.rootfs_dir()
        if not (rootfs / "usr" / "bin" / "python3").exists():
            raise SandboxError(
                f"no agent rootfs at {rootfs}: build it with `godelbox sandbox build` "
                "(needs a docker engine once)"
            )
        self.rootfs = rootfs
        self._seccomp = seccomp.host_arch()
        self._unbounded_work_dir = unbounded_work_dir
        self._warned_no_cgroup = False
        self._swept = not sweep

    def image_identity(self, image: str) -> str | None:
        """Every sandbox runs on `rootfs` whatever the image; its directory is named by the
        recipe hash it was built from."""
        return f"rootfs:{self.rootfs.resolve()}"

    def start(self, spec: SandboxSpec) -> BubblewrapSandbox:
        if not self._swept:
            sweep_bubblewrap()
            self._swept = True
        cgroup = Cgroup.create(spec.limits.memory_mb * MB, spec.limits.pids, lbl.owner_token())
        if cgroup is None and not self._warned_no_cgroup:
            self._warned_no_cgroup = True
            print(
                "godelbox: warning: no writable memory cgroup; bubblewrap sandboxes are bounded "
                "by rlimits only (no OOM reporting)",
                file=sys.stderr,
            )
        try:
            return BubblewrapSandbox(
                self.rootfs,
                spec,
                cgroup,
                seccomp_arch=self._seccomp,
                unbounded_work_dir=self._unbounded_work_dir,
            )
        except BaseException:
            if cgroup is not None:
                cgroup.remove()
            raise


def sweep_bubblewrap() -> list[str]:
    """Remove work dirs (unmounting their tmpfs) and cgroups whose owning process is gone.

    The sandboxes' processes already died with their owner (--die-with-parent)."""
    removed: list[str] = []
    for d in Path(tempfile.gettempdir()).glob(f"{WORK_PREFIX}*"):
        owner = d.name[len(WORK_PREFIX) :].rsplit("-", 1)[0]
        if d.is_dir() and not lbl.token_alive(owner):
            if os.path.ismount(d):
                subprocess.run(["umount", "-l", str(d)], check=False)
            with contextlib.suppress(OSError):
                trees.remove(d)
            removed.append(str(d))
    return removed + cgroups.sweep(lbl.token_alive)


def _check_reachable(folder: Path) -> None:
    """bwrap binds the work dir as uid UID, so every folder above it must let that user pass;
    a private temp dir (e.g. TMPDIR under a 0700 home) would fail later with a bare EACCES."""
    for part in (folder, *folder.parents):
        st = part.stat()
        if st.st_uid != UID and not st.st_mode & 0o001:
            raise SandboxError(
                f"the bubblewrap sandbox user (uid {UID}) cannot enter {part} (mode "
                f"{st.st_mode & 0o777:o}), which holds its work dir {folder}: point TMPDIR at a "
                "folder every user can traverse (e.g. /tmp)"
            )
