"""The warm pool hands out pre-started sandboxes that are as fresh as directly started ones: each
used once, filled ahead (`prepare`) and refilled in the background, shared by specs that differ
only in their node label, never for a gateway sandbox, never a dead one, and nothing left
behind when it closes."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.docker import DockerBackend, DockerSandbox
from godelbox.sandbox.pool import PooledBackend

pytestmark = pytest.mark.docker


_IDLE = ["docker-init", "sh"]
"""What a sandbox runs between commands: docker-init and the keeper (a shell)."""


def _wait_for_ready(pool: PooledBackend, spec: SandboxSpec, n: int = 1) -> None:
    deadline = time.monotonic() + 60
    while pool.ready(spec) < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool.ready(spec) >= n, "the pool never pre-started a sandbox"


def _run_label(run: str) -> dict[str, str]:
    return {"label": f"godelbox.run={run}"}


def _pool(docker_engine, size: int = 1) -> PooledBackend:
    return PooledBackend(lambda: DockerBackend(docker_engine, sweep=False), size=size)


def test_pooled_sandboxes_are_fresh_and_never_reused(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-test"})
    seen: set[str] = set()
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        for node in ("1", "2"):
            _wait_for_ready(pool, spec)
            # Another node of the same run: the same kind of sandbox, started before it existed.
            of_node = SandboxSpec(agent_image, labels={"run": "pool-test", "node": node})
            with pool.start(of_node) as box:
                assert box.container_id not in seen
                seen.add(box.container_id)
                state = box.run(["sh", "-c", "ls -A /work /tmp; ps -e -o comm="], 10)
                box.run(["sh", "-c", "touch /work/dirty /tmp/dirty; sleep 100 &"], 10)
                labels = docker_engine.api.inspect_container(box.container_id)["Config"]["Labels"]
            # nothing left from an earlier user: docker-init, the keeper, then this command's sh
            # and ps (no pipeline: `ps | wc` counted before the shell forked wc, now and then)
            assert state.stdout.split() == ["/tmp:", "/work:", *_IDLE, "sh", "ps"], state.stdout
            assert labels["godelbox.run"] == "pool-test" and not labels.get("godelbox.node")
        assert pool.stats.taken == 2 and pool.stats.direct == 0
        _wait_for_ready(pool, spec)
    # close() waits until the engine has removed what was never handed out; the two used
    # ones are being destroyed off the caller's clock
    deadline = time.monotonic() + 30
    # the low-level list: `containers.list` inspects each one it lists, and one the engine
    # removes in between raises NotFound
    while docker_engine.api.containers(all=True, filters=_run_label("pool-test")):
        assert time.monotonic() < deadline, "pooled sandboxes outlived the pool"
        time.sleep(0.1)


def test_a_gateway_sandbox_is_never_pooled(docker_engine, agent_image, tmp_path: Path):
    socket_dir = tmp_path / "gw"
    socket_dir.mkdir()
    spec = SandboxSpec(
        agent_image, labels={"run": "pool-gw"}, gateway_socket=socket_dir / "llm.sock"
    )
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        with pool.start(spec) as box:
            mounted = box.run(["ls", "-d", "/run/godelbox"], 10)
        time.sleep(1.0)
        assert pool.ready(spec) == 0 and pool.stats.taken == 0
    assert mounted.ok


def test_a_ready_sandbox_that_died_is_not_handed_out(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-dead"})
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        _wait_for_ready(pool, spec)
        for container in docker_engine.containers.list(filters=_run_label("pool-dead")):
            container.kill()
        time.sleep(0.5)
        with pool.start(spec) as box:
            assert box.run(["true"], 10).ok
        assert pool.stats.discarded == 1 and pool.stats.taken == 0


@contextlib.contextmanager
def _pooled_box(docker_engine, spec: SandboxSpec) -> Iterator[DockerSandbox]:
    """A sandbox taken ready from a pool of one (its first exec primed)."""
    with _pool(docker_engine) as pool:
        pool.prepare(spec)
        _wait_for_ready(pool, spec)
        with pool.start(spec) as box:
            yield box
        assert pool.stats.taken == 1


def _first_command(box, tmp_path: Path) -> tuple:
    """What a sandbox's first command sees and reports: argv, working dir, environment, stdin,
    uid, a copied-in file, its exit status; and a command that cannot start."""
    src = tmp_path / "task"
    src.mkdir(exist_ok=True)
    (src / "data.txt").write_text("copied\n")
    box.copy_in(src, "/work/task")
    script = 'pwd; echo "$X $1"; cat; id -u; cat data.txt; exit 3'
    first = box.run(
        ["sh", "-c", script, "sh", "arg one"],
        10,
        workdir="/work/task",
        env={"X": "from env"},
        stdin=b"from stdin\n",
    )
    missing = box.run(["no-such-binary"], 10)
    return first.exit_code, first.ended, first.stdout, first.stderr, missing.exit_code


def test_a_pooled_sandbox_runs_its_first_command_as_an_exec_would(
    docker_engine, agent_image, tmp_path: Path
):
    # The pool starts the first command's exec ahead (a launcher that becomes the command);
    # what the command sees and what is reported must not differ from an ordinary exec.
    spec = SandboxSpec(agent_image, labels={"run": "pool-primed"})
    with _pooled_box(docker_engine, spec) as box:
        pooled = _first_command(box, tmp_path)
        after = box.run(["sh", "-c", "ps -e -o comm="], 10)
    with DockerBackend(docker_engine, sweep=False).start(spec) as box:
        direct = _first_command(box, tmp_path)
    expected = (3, "exit", "/work/task\nfrom env arg one\nfrom stdin\n1000\ncopied\n", "", 126)
    assert pooled == direct == expected
    assert after.stdout.split() == [*_IDLE, "sh", "ps"]  # no launcher left


def test_a_primed_command_that_outlives_its_timeout_is_killed(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-primed-timeout"})
    with _pooled_box(docker_engine, spec) as box:
        slow = box.run(["sleep", "100"], 1)
        left = box.run(["sh", "-c", "pgrep -x sleep || echo none"], 10)
    assert slow.ended == "timeout" and slow.exit_code is None
    assert left.stdout.strip() == "none"


def test_a_launcher_that_died_is_replaced_by_an_ordinary_exec(docker_engine, agent_image):
    spec = SandboxSpec(agent_image, labels={"run": "pool-primed-dead"})
    with _pooled_box(docker_engine, spec) as box:
        container = docker_engine.containers.get(box.container_id)
        container.exec_run(["pkill", "-f", "execvpe"], user="1000:1000")
        time.sleep(0.3)
        res = box.run(["sh", "-c", "echo ran; exit 7"], 10)
    assert (res.exit_code, res.stdout) == (7, "ran\n")


def test_files_copied_in_cannot_replace_the_launchers_modules(
    docker_engine, agent_image, tmp_path: Path
):
    # The launcher imported what it needs before any copy-in and runs isolated (-I -S) from /:
    # a task shipping its own json.py or os.py next to the first command changes nothing.
    spec = SandboxSpec(agent_image, labels={"run": "pool-primed-hijack"})
    src = tmp_path / "task"
    src.mkdir()
    for name in ("json.py", "os.py", "sys.py"):
        (src / name).write_text("raise SystemExit(99)\n")
    with _pooled_box(docker_engine, spec) as box:
        box.copy_in(src, "/work/task")
        first = box.run(["sh", "-c", "echo first; exit 5"], 10, workdir="/work/task")
    assert (first.exit_code, first.stdout) == (5, "first\n")
