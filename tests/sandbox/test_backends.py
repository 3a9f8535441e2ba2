"""Behaviour every real backend must have (docker and bubblewrap): copy round trip, host-enforced
timeout, OOM, output cap without host memory growth, safe decoding."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from godelbox.sandbox.base import GATEWAY_SOCKET, Limits, SandboxError, SandboxSpec

pytestmark = pytest.mark.docker


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_copy_in_out_round_trip(backend, image, tmp_path):
    src = tmp_path / "src"
    (src / "pkg" / "deep").mkdir(parents=True)
    (src / "pkg" / "mod.py").write_text("X = 1\n")
    (src / "pkg" / "deep" / "blob.bin").write_bytes(bytes(range(256)) * 100)
    with backend.start(SandboxSpec(image, labels={"run": "t-roundtrip"})) as box:
        box.copy_in(src, "/work/a/b")
        res = box.run(
            ["sh", "-c", "cat pkg/mod.py && id -u && echo new > pkg/added.txt"],
            timeout_s=20,
            workdir="/work/a/b",
        )
        assert res.ok, res
        assert res.stdout.splitlines() == ["X = 1", "1000"]
        box.copy_out("/work/a/b", tmp_path / "out")
    out = tmp_path / "out"
    assert (out / "pkg" / "mod.py").read_text() == "X = 1\n"
    assert (out / "pkg" / "deep" / "blob.bin").read_bytes() == bytes(range(256)) * 100
    assert (out / "pkg" / "added.txt").read_text() == "new\n"


SKIP_SCRIPT = (
    "mkdir -p .git/objects/ab pkg/__pycache__ deep/.git && echo x > .git/objects/ab/cd && "
    "echo y > pkg/__pycache__/m.cpython-311.pyc && echo z > pkg/stale.pyc && "
    "echo g > deep/.git/HEAD && echo keep > pkg/git.py && echo keep > pkg/notes.pyc.txt"
)


def test_copy_out_leaves_out_what_skip_names_at_any_depth(backend, image, tmp_path):
    with backend.start(SandboxSpec(image)) as box:
        box.copy_in(_one_file_tree(tmp_path / "src"), "/work/ws")
        assert box.run(["sh", "-c", SKIP_SCRIPT], timeout_s=20, workdir="/work/ws").ok
        box.copy_out("/work/ws", tmp_path / "out", skip=(".git", "__pycache__", "*.pyc"))
    out = tmp_path / "out"
    kept = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert kept == ["deep/.keep", "pkg/git.py", "pkg/notes.pyc.txt", "top.py"]


def _one_file_tree(root: Path) -> Path:
    (root / "deep").mkdir(parents=True)
    (root / "top.py").write_text("T = 1\n")
    (root / "deep" / ".keep").write_text("")
    return root


def test_copy_in_refuses_paths_outside_work_dir(backend, image, tmp_path):
    with backend.start(SandboxSpec(image)) as box:
        with pytest.raises(SandboxError, match="must be under /work"):
            box.copy_in(tmp_path, "/etc/evil")
        with pytest.raises(SandboxError, match="does not exist"):
            box.copy_out("/work/nothing-here", tmp_path / "x")


def test_timeout_kills_sleep_within_limit_plus_two_seconds(backend, image):
    with backend.start(SandboxSpec(image)) as box:
        started = time.monotonic()
        res = box.run(["sh", "-c", "sleep 1000 & sleep 1000"], timeout_s=2)
        elapsed = time.monotonic() - started
        assert res.ended == "timeout" and res.exit_code is None
        assert elapsed < 4.0
        ps = box.run(["ps", "-eo", "args"], timeout_s=10)
        assert "sleep 1000" not in ps.stdout, ps.stdout
        assert box.run(["echo", "still usable"], timeout_s=10).stdout == "still usable\n"


def test_oom_is_reported_as_oom(backend, image):
    spec = SandboxSpec(image, limits=Limits(memory_mb=128))
    with backend.start(spec) as box:
        res = box.run(["python3", "-c", "b = bytearray(512 * 1024 * 1024)"], timeout_s=30)
        assert res.ended == "oom", res
        assert box.run(["true"], timeout_s=10).ok


def test_output_flood_is_capped_without_host_memory_growth(backend, image):
    cap = 200_000
    spec = SandboxSpec(image, limits=Limits(output_limit_bytes=cap))
    with backend.start(spec) as box:
        before = _rss_mb()
        res = box.run(["sh", "-c", "head -c 300000000 /dev/zero | tr '\\0' x"], timeout_s=60)
        grown = _rss_mb() - before
    assert res.ended == "output_cap"
    assert len(res.stdout) + len(res.stderr) <= cap
    assert len(res.stdout) > cap // 2
    assert grown < 50, f"host process grew by {grown:.0f} MB for a 300 MB flood"


def test_stderr_and_exit_code_and_stdin(backend, image):
    with backend.start(SandboxSpec(image, env={"GREETING": "hej"})) as box:
        res = box.run(["sh", "-c", 'echo "$GREETING $EXTRA"; echo oops >&2; exit 3'], 10,
                      env={"EXTRA": "du"})  # fmt: skip
        assert (res.exit_code, res.stdout, res.stderr, res.ended) == (
            3,
            "hej du\n",
            "oops\n",
            "exit",
        )
        assert box.run(["cat"], 10, stdin=b"piped").stdout == "piped"


def test_non_utf8_output_is_decoded_safely(backend, image):
    code = (
        "import sys; sys.stdout.buffer.write(b'ok \\xff\\xfe\\xc3 end');"
        "sys.stderr.buffer.write(b'\\x80')"
    )
    with backend.start(SandboxSpec(image)) as box:
        res = box.run(["python3", "-c", code], timeout_s=10)
    assert res.ok
    assert res.stdout.startswith("ok ") and res.stdout.endswith(" end")
    assert "\ufffd" in res.stdout and res.stderr == "\ufffd"


def test_oom_of_a_child_is_reported_even_if_the_parent_exits(backend, image):
    script = "python3 -c 'b = bytearray(512 * 1024 * 1024)'; echo survived; exit 3"
    with backend.start(SandboxSpec(image, limits=Limits(memory_mb=128))) as box:
        res = box.run(["sh", "-c", script], timeout_s=30)
    assert res.ended == "oom" and res.stdout == "survived\n", res


def test_gateway_socket_is_reachable_but_not_replaceable(backend, image):
    sock_dir = Path(tempfile.mkdtemp(prefix="godelbox-test-gw-"))  # under /tmp: uid 1000 can reach
    sock_dir.chmod(0o755)
    path = sock_dir / "llm.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    os.chmod(path, 0o666)
    server.listen()
    server.settimeout(20)

    def answer() -> None:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            return
        conn.sendall(b"pong:" + conn.recv(16))
        conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    probe = (
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        f"s.connect({GATEWAY_SOCKET!r})\n"
        "s.sendall(b'ping')\n"
        "print(s.recv(64).decode())\n"
    )
    try:
        with backend.start(SandboxSpec(image, gateway_socket=path)) as box:
            res = box.run(["python3", "-c", probe], timeout_s=30)
            tamper = box.run(
                ["sh", "-c", f"rm -f {GATEWAY_SOCKET}; touch /run/godelbox/evil; ls /run/godelbox"],
                timeout_s=10,
            )
    finally:
        thread.join(timeout=5)
        server.close()
    assert res.ok and res.stdout == "pong:ping\n", res
    assert tamper.stdout.split() == ["llm.sock"], tamper
    assert path.exists()


def test_closing_output_does_not_escape_the_timeout(backend, image):
    with backend.start(SandboxSpec(image)) as box:
        started = time.monotonic()
        res = box.run(["sh", "-c", "exec >&- 2>&-; sleep 1000"], timeout_s=2)
        elapsed = time.monotonic() - started
        assert res.ended == "timeout" and elapsed < 4.0, res
        ps = box.run(["ps", "-eo", "args"], timeout_s=10)
        assert "sleep 1000" not in ps.stdout


def test_unread_stdin_does_not_escape_the_timeout(backend, image):
    with backend.start(SandboxSpec(image)) as box:
        started = time.monotonic()
        res = box.run(["sleep", "1000"], timeout_s=2, stdin=b"x" * 50_000_000)
        assert res.ended == "timeout" and time.monotonic() - started < 4.0, res


def test_the_work_dir_is_bounded_in_bytes_and_inodes(backend, image):
    limits = Limits(work_mb=8, work_inodes=2000)
    with backend.start(SandboxSpec(image, limits=limits)) as box:
        many = box.run(["sh", "-c", "cd /work && i=0; while touch f$i 2>/dev/null; "
                                    "do i=$((i+1)); done; echo $i"], timeout_s=120)  # fmt: skip
        big = box.run(["sh", "-c", "rm -f /work/f*; head -c 20M /dev/zero > /work/big"], 60)
    assert 1900 < int(many.stdout) < 2000
    assert big.exit_code != 0 and "No space left" in big.stderr


def test_open_files_are_limited_and_core_dumps_are_off(backend, image):
    with backend.start(SandboxSpec(image, limits=Limits(nofile=512))) as box:
        res = box.run(["sh", "-c", "ulimit -n; ulimit -c"], timeout_s=10)
    assert res.stdout.split() == ["512", "0"]
