"""The escape battery, run against every real backend (docker and bubblewrap).

Each test is an attack an agent could try from inside; each asserts it is contained *and* that
the host is unaffected. Network probes only ever target this machine's own addresses.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from godelbox.paths import PROJECT_ROOT
from godelbox.sandbox.base import Limits, SandboxSpec

pytestmark = pytest.mark.docker

SMALL = Limits(memory_mb=256, pids=64, tmp_mb=16, work_mb=16)


@contextmanager
def _box(backend, image, limits: Limits = SMALL) -> Iterator:
    with backend.start(SandboxSpec(image, limits=limits, labels={"run": "escape"})) as box:
        yield box


def _sh(box, script: str, timeout_s: float = 30):
    return box.run(["sh", "-c", script], timeout_s=timeout_s)


def _local_ipv4_addresses() -> list[str]:
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, check=True).stdout
    return ["127.0.0.1", *(a for a in out.split() if ":" not in a)]


@contextmanager
def _host_listener() -> Iterator[int]:
    """A TCP server on all of this host's addresses that records every connection it gets."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen()
    server.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, peer = server.accept()
            except TimeoutError:
                continue
            accepted.append(peer)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        server.close()


def test_network_has_only_loopback_and_reaches_nothing(backend, image):
    with _host_listener() as (port, accepted):
        # The listener works from the host, so a failure inside means isolation, not a bad test.
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        deadline = time.monotonic() + 5
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(accepted) == 1
        probe = (
            "import socket, sys\n"
            f"for host in {_local_ipv4_addresses()!r}:\n"
            "    try:\n"
            f"        socket.create_connection((host, {port}), timeout=2).close()\n"
            "        print('CONNECTED', host)\n"
            "    except OSError as e:\n"
            "        print('blocked', host, e)\n"
            "try:\n"
            "    print('RESOLVED', socket.getaddrinfo('deb.debian.org', 80))\n"
            "except OSError as e:\n"
            "    print('no dns', e)\n"
        )
        with _box(backend, image) as box:
            ifaces = _sh(box, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
            routes = _sh(box, "tail -n +2 /proc/net/route")
            res = box.run(["python3", "-c", probe], timeout_s=60)
        time.sleep(0.3)
        assert len(accepted) == 1, f"sandbox reached the host listener: {accepted}"
    assert ifaces.stdout.split() == ["lo"]
    assert routes.ok and routes.stdout.strip() == "", routes.stdout
    assert "CONNECTED" not in res.stdout and "RESOLVED" not in res.stdout, res.stdout
    blocked = [line for line in res.stdout.splitlines() if line.startswith("blocked")]
    assert len(blocked) == len(_local_ipv4_addresses()), res.stdout


def test_host_files_are_invisible(backend, image):
    with open("/etc/shadow") as fh:
        host_shadow_root = fh.readline().strip()
    marker = PROJECT_ROOT / "pyproject.toml"
    with _box(backend, image) as box:
        shadow = _sh(box, "cat /etc/shadow")
        checkout = _sh(box, f"cat {marker} || ls {PROJECT_ROOT}")
        sockets = _sh(box, "ls -l /var/run/docker.sock /run/docker.sock /run/containerd 2>&1")
        mounts = _sh(box, "cat /proc/self/mountinfo")
    assert shadow.exit_code != 0 and host_shadow_root not in shadow.stdout
    assert "godelbox" not in checkout.stdout and checkout.exit_code != 0
    assert sockets.exit_code != 0 and "docker.sock" in sockets.stdout  # "No such file"
    assert "docker.sock" not in mounts.stdout


def test_only_work_dir_and_tmp_are_writable(backend, image):
    targets = ["/x", "/etc/x", "/usr/bin/x", "/home/agent/x", "/var/tmp/x", "/root/x", "/dev/x",
               "/run/x", "/usr/local/lib/python3.11/dist-packages/x.py"]  # fmt: skip
    script = "; ".join(f"(echo pwn > {t}) 2>/dev/null && echo WROTE {t}" for t in targets)
    with _box(backend, image) as box:
        res = _sh(box, script + "; echo ok > /work/f && echo ok > /tmp/f && cat /work/f /tmp/f")
    assert "WROTE" not in res.stdout, res.stdout
    assert res.stdout.strip().splitlines() == ["ok", "ok"]


def test_fork_bomb_is_bounded_and_host_stays_responsive(backend, image):
    marker = f"bomb-{uuid.uuid4().hex[:8]}"
    bomb = f"import os  # {marker}\n" + (
        "while True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    host_latencies: list[float] = []
    done = threading.Event()

    def probe_host() -> None:
        while not done.is_set():
            t0 = time.monotonic()
            subprocess.run(["true"], check=True)
            host_latencies.append(time.monotonic() - t0)
            time.sleep(0.2)

    with _box(backend, image) as box:
        prober = threading.Thread(target=probe_host)
        prober.start()
        try:
            res = box.run(["python3", "-c", bomb], timeout_s=6)
        finally:
            done.set()
            prober.join()
    assert res.ended == "timeout"
    assert host_latencies and max(host_latencies) < 3.0, host_latencies
    deadline = time.monotonic() + 15
    while (left := _pgrep(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == "", f"fork bomb processes survived close(): {left}"


def _pgrep(pattern: str) -> str:
    return subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout


def test_fork_bomb_stays_under_the_pids_limit(backend, image):
    script = (
        "import os, time\n"
        "n = 0\n"
        "for _ in range(200):\n"
        "    try:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30)\n"
        "            os._exit(0)\n"
        "        n += 1\n"
        "    except OSError:\n"
        "        break\n"
        "print(n, flush=True)\n"
        "os.killpg(0, 9)\n"
    )
    with _box(backend, image) as box:
        res = box.run(["python3", "-c", script], timeout_s=20)
    forked = int(res.stdout.split()[0])
    assert 0 < forked < SMALL.pids, res


def test_memory_bomb_is_killed_as_oom(backend, image):
    bomb = "x = []\nwhile True:\n    x.append(bytearray(10_000_000))\n"
    with _box(backend, image, Limits(memory_mb=128, pids=64)) as box:
        res = box.run(["python3", "-c", bomb], timeout_s=60)
        after = box.run(["echo", "alive"], timeout_s=10)
    assert res.ended == "oom", res
    assert after.stdout == "alive\n"


@pytest.mark.parametrize("where", ["/tmp", "/work"])
def test_disk_fill_stops_at_the_size_cap(backend, image, where):
    with _box(backend, image) as box:
        res = _sh(box, f"dd if=/dev/zero of={where}/fill bs=1M count=200; stat -c %s {where}/fill")
    assert res.exit_code == 0  # stat ran; dd itself failed
    contained = ("No space left", "File too large", "File size limit exceeded")
    assert any(m in res.stderr for m in contained), res.stderr
    assert int(res.stdout.split()[-1]) <= 17 * 1024 * 1024


def test_no_privilege_escalation(backend, image):
    checks = {
        "su": "su -c id root </dev/null",
        "setuid": "python3 -c 'import os; os.setuid(0)'",
        "mount": "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m",
        "unshare_user": "unshare -r id",
        "unshare_net": "unshare -n true",
        "chroot": "chroot / true",
    }
    with _box(backend, image) as box:
        results = {name: _sh(box, cmd) for name, cmd in checks.items()}
        status = _sh(box, "grep -E '^(NoNewPrivs|CapEff|CapPrm|Uid)' /proc/self/status")
    for name, res in results.items():
        assert res.exit_code != 0 and "uid=0" not in res.stdout, (name, res)
    fields = dict(line.split(":\t", 1) for line in status.stdout.strip().splitlines())
    assert fields["NoNewPrivs"] == "1"
    assert fields["CapEff"] == fields["CapPrm"] == "0000000000000000"
    assert fields["Uid"].split()[0] == "1000"


def test_signals_cannot_reach_host_processes(backend, image):
    # A host process running as the same uid as the sandbox user: the strongest target.
    victim = subprocess.Popen(
        ["setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "sleep", "300"]
        if os.geteuid() == 0
        else ["sleep", "300"]
    )
    try:
        with _box(backend, image) as box:
            direct = _sh(box, f"kill -9 {victim.pid}; test -e /proc/{victim.pid}")
            _sh(box, "kill -9 -1")
        time.sleep(0.3)
        assert direct.exit_code != 0
        assert victim.poll() is None, "a signal from the sandbox killed a host process"
    finally:
        victim.kill()
        victim.wait()
