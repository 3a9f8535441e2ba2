"""The grading supervisor: the one process of a grading sandbox whose output the host reads.

Run as `python3 -I -B supervise.py` with its job (JSON) on stdin. Before anything untrusted
runs it reads the whole job, makes itself non-dumpable (processes of the same uid can then no
longer open its /proc/<pid>/fd, memory or environ) and catches every catchable signal, so the
code under test can stop it only with SIGKILL or SIGSTOP, which leave no verdict line (the host
records that as evidence, or as a timeout). It applies the answer and the hidden tests, writes
the graded test files it was given, hashes them, runs the test command in a session of its own
(stdout and stderr on a pipe, and on request an event pipe as fd 3), reads both with caps until
the command exits or its time is up, kills every process left behind (`sweep`: only ever set by
the host for a sandbox, where this process's pid namespace is the sandbox's), hashes the test
files again, reads back report files, and prints exactly one line: VERDICT_MARK + JSON. No other
process ever holds this process's stdout.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import select
import signal
import stat
import subprocess
import sys
import time
import traceback

VERDICT_MARK = "GODELBOX-VERDICT "
EVENTS_FD = 3
PR_SET_DUMPABLE = 4
APPLY_TIMEOUT_S = 120.0
DRAIN_S = 0.5
"""After the command exits: how long its pipes may stay open (a daemon holding them) before
everything left is killed."""
HIGH_FD = 10


def main() -> int:
    job = json.loads(sys.stdin.buffer.read().decode("utf-8", "surrogateescape"))
    sys.stdin.close()
    _undumpable()
    _catch_signals()
    try:
        verdict = run(job)
    except Exception:  # a harness bug must still reach the host as one readable line
        verdict = {"stage": "supervisor-error", "error": traceback.format_exc()[-4000:]}
    sys.stdout.write(VERDICT_MARK + json.dumps(verdict) + "\n")
    sys.stdout.flush()
    return 0


def run(job: dict) -> dict:
    started = time.monotonic()
    repo = job["repo"]
    git_env = {**os.environ, **job.get("git_env", {})}
    if job.get("patch"):
        applied = _run_quiet(["bash", job["apply_script"], job["patch"]], repo, git_env)
        if job["applied_mark"] not in applied:
            return {"stage": "apply-failed", "output": applied[-2000:]}
    if job.get("test_patch"):
        argv = ["git", "apply", "--whitespace=nowarn", job["test_patch"]]
        proc = subprocess.run(argv, cwd=repo, env=git_env, capture_output=True, check=False)
        if proc.returncode != 0:
            said = (proc.stdout + proc.stderr).decode("utf-8", "replace")
            return {"stage": "test-patch-failed", "output": said[-2000:]}
    for rel, text in job.get("files", {}).items():
        _write(repo, rel, text)
    watch = list(job.get("watch", []))
    before = {rel: _digest(repo, rel) for rel in watch}
    session = _session(job, repo)
    after = {rel: _digest(repo, rel) for rel in watch}
    changed = [rel for rel in watch if before[rel] != after[rel]]
    reports = {rel: _read_capped(repo, rel, int(job["report_cap"])) for rel in job["reports"]}
    return {
        "stage": "done",
        **session,
        "changed": changed,
        "reports": reports,
        "duration_s": round(time.monotonic() - started, 3),
    }


def _session(job: dict, repo: str) -> dict:
    """Run the test command; its output and events, how and when it ended."""
    out_r, out_w = _pipe()
    fds = {out_r: "output"}
    pass_fds: tuple[int, ...] = ()
    ev_w = -1
    if job["events"]:
        ev_r, ev_w = _pipe()
        fds[ev_r] = "events"
        os.dup2(ev_w, EVENTS_FD)  # the child finds its event pipe at a fixed number
        pass_fds = (EVENTS_FD,)
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **job["env"],
    }
    started = time.monotonic()
    proc = subprocess.Popen(
        job["argv"],
        cwd=repo,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out_w,
        stderr=out_w,
        pass_fds=pass_fds,
        start_new_session=True,
    )
    for fd in (out_w, ev_w, EVENTS_FD if pass_fds else -1):
        if fd >= 0:
            os.close(fd)
    output = _Capped(int(job["output_cap"]))
    events = _Capped(int(job["events_cap"]), keep_tail=False)
    sinks = {"output": output, "events": events}
    deadline = started + float(job["timeout_s"])
    ended, drain_until = "exit", None
    while fds:
        now = time.monotonic()
        if drain_until is None and proc.poll() is not None:
            drain_until = now + DRAIN_S
        if drain_until is not None and now > drain_until:
            break
        if now > deadline:
            ended = "timeout"
            break
        limit = min(0.05, deadline - now)
        ready, _, _ = select.select(list(fds), [], [], max(limit, 0.0))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if chunk:
                sinks[fds[fd]].add(chunk)
            else:
                os.close(fd)
                del fds[fd]
    if ended == "exit" and drain_until is None:
        # Both pipes closed: wait for the exit itself, within the time limit.
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            ended = "timeout"
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if job.get("sweep"):
        _kill_everything_else()
    code = proc.wait()
    for fd in fds:
        os.close(fd)
    return {
        "ended": ended,
        "exit": code if ended == "exit" else None,
        "output": output.text(),
        "output_truncated": output.dropped,
        "events": events.text(),
        "events_truncated": events.dropped,
        "test_s": round(time.monotonic() - started, 3),
    }


class _Capped:
    """Keeps at most `cap` bytes: the head and, for output, the tail (tracebacks end there)."""

    def __init__(self, cap: int, keep_tail: bool = True) -> None:
        self.cap = cap
        self.keep_tail = keep_tail
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.cap // 4 if self.keep_tail else self.cap
        take = max(0, room - len(self.head))
        self.head += chunk[:take]
        rest = chunk[take:]
        if not rest:
            return
        if not self.keep_tail:
            self.dropped += len(rest)
            return
        self.tail += rest
        excess = len(self.tail) - (self.cap - room)
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess

    def text(self) -> str:
        cut = f"\n[... {self.dropped} bytes cut ...]\n" if self.dropped and self.tail else ""
        return (bytes(self.head) + cut.encode() + bytes(self.tail)).decode("utf-8", "replace")


def _kill_everything_else() -> None:
    """SIGKILL every process in the sandbox but docker-init (pid 1), the keeper (pid 1's oldest
    child) and this one, until none is left: daemons the command forked must not outlive it
    (they could rewrite the test files after the second hash)."""
    if os.getuid() == 0:
        raise RuntimeError("refusing to sweep processes as root: sandboxes never run as root")
    me = os.getpid()
    for _ in range(50):
        procs = _processes()
        kids = sorted((start, pid) for pid, ppid, start in procs if ppid == 1)
        keep = {1, me} | ({kids[0][1]} if kids else set())
        victims = [pid for pid, _, _ in procs if pid not in keep]
        if not victims:
            return
        for pid in victims:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def _processes() -> list[tuple[int, int, int]]:
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out.append((int(name), int(fields[1]), int(fields[19])))
        except (OSError, IndexError, ValueError):
            continue
    return out


def _write(repo: str, rel: str, text: str) -> None:
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts:
        raise ValueError(f"refusing to write outside the repository: {rel}")
    path = os.path.join(repo, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.islink(path):
        os.unlink(path)
    with open(path, "wb") as fh:
        fh.write(text.encode("utf-8", "surrogateescape"))


def _digest(repo: str, rel: str) -> str | None:
    path = os.path.join(repo, rel)
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({stat.filemode(info.st_mode)})"
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _read_capped(repo: str, rel: str, cap: int) -> str | None:
    path = os.path.join(repo, rel)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            return fh.read(cap).decode("utf-8", "replace")
    except OSError:
        return None


def _run_quiet(argv: list[str], cwd: str, env: dict) -> str:
    try:
        done = subprocess.run(
            argv, cwd=cwd, env=env, capture_output=True, timeout=APPLY_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return "timed out"
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def _pipe() -> tuple[int, int]:
    """A pipe whose ends sit above the fixed event fd, so dup2 onto it never clobbers them."""
    raw = os.pipe()
    high = tuple(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HIGH_FD) for fd in raw)
    for fd in raw:
        os.close(fd)
    return high[0], high[1]


def _undumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _catch_signals() -> None:
    """A handler (not SIG_IGN) for every catchable signal: signals sent by the code under test
    do nothing here, and exec resets handlers, so the test command starts with defaults."""
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD):
            continue
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, _ignore)


def _ignore(_signum: int, _frame: object) -> None:
    return None


if __name__ == "__main__":
    sys.exit(main())
