"""The docker backend on a real engine: copy round trip, host-enforced limits, safe decoding,
labels and the leftover sweep."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time

import docker.errors
import pytest

from godelbox.sandbox import labels as lbl
from godelbox.sandbox.base import Limits, SandboxError, SandboxSpec
from godelbox.sandbox.docker import sweep_docker

pytestmark = pytest.mark.docker


def test_non_oom_sigkill_is_not_reported_as_oom(docker_backend, agent_image):
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        res = box.run(["sh", "-c", "kill -9 $$"], timeout_s=10)
        assert res.ended == "exit" and res.exit_code == 137


def test_container_is_labelled_and_removed_on_close(docker_backend, docker_engine, agent_image):
    with docker_backend.start(
        SandboxSpec(agent_image, labels={"run": "r-7", "node": "n-3"})
    ) as box:
        container = docker_engine.containers.get(box.container_id)
        assert container.labels[lbl.RUN] == "r-7" and container.labels[lbl.NODE] == "n-3"
        attrs = container.attrs["HostConfig"]
        assert attrs["NetworkMode"] == "none" and attrs["ReadonlyRootfs"] is True
        assert attrs["CapDrop"] == ["ALL"] and attrs["Memory"] == attrs["MemorySwap"]
        assert attrs["PidsLimit"] == 256 and attrs["SecurityOpt"] == ["no-new-privileges"]
        (work,) = [m for m in container.attrs["Mounts"] if m["Destination"] == "/work"]
        volume = docker_engine.volumes.get(work["Name"])
        assert volume.attrs["Labels"][lbl.RUN] == "r-7"
        assert volume.attrs["Options"]["type"] == "tmpfs"
    box.close()  # idempotent
    deadline = time.monotonic() + 20

    def leftovers() -> bool:
        return _exists(docker_engine.containers, box.container_id) or _exists(
            docker_engine.volumes, volume.name
        )

    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not leftovers(), "container or its work volume still exists 20 s after close()"


def _exists(collection, ident: str) -> bool:
    try:
        collection.get(ident)
    except docker.errors.NotFound:
        return False
    return True


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_dead_runs_only(docker_engine, agent_image):
    dead = lbl.owner_labels({"run": "dead-run"}, pid=_dead_pid())
    dead[lbl.OWNER_START] = "1"  # the pid may be recycled: the start time still tells
    live = lbl.owner_labels({"run": "live-run"})
    made = [
        docker_engine.containers.create(agent_image, ["true"], labels=labels, network_mode="none")
        for labels in (dead, live)
    ]
    vol = docker_engine.volumes.create(labels=dead)
    try:
        removed = sweep_docker(docker_engine)
        # What is gone, not what this sweep reports: a test on another xdist worker may sweep
        # at the same moment and remove the dead container first (a CI run at cc3a5e7 saw it).
        with pytest.raises(docker.errors.NotFound):
            docker_engine.containers.get(made[0].id)
        with pytest.raises(docker.errors.NotFound):
            docker_engine.volumes.get(vol.name)
        assert made[1].name not in removed
        assert docker_engine.containers.get(made[1].id).labels[lbl.RUN] == "live-run"
    finally:
        for c in made:
            with contextlib.suppress(docker.errors.NotFound):
                c.remove(force=True)


def test_sweeps_at_the_same_time_both_finish(docker_engine, agent_image):
    """Two sweeps (a warm pool's two engine connections, two runs starting together) may try
    to remove the same leftover at once; the engine refuses the second with a conflict."""
    dead = lbl.owner_labels({"run": "dead-run-twice"}, pid=_dead_pid())
    dead[lbl.OWNER_START] = "1"
    made = [
        docker_engine.containers.run(
            agent_image, ["sleep", "60"], labels=dead, network_mode="none", detach=True
        )
        for _ in range(3)
    ]
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            sweep_docker(docker_engine)
        except BaseException as err:  # reported below, on the test thread
            errors.append(err)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for container in made:
            assert not _exists(docker_engine.containers, container.id)
    finally:
        for container in made:
            with contextlib.suppress(docker.errors.NotFound):
                container.remove(force=True)


def test_a_sandbox_whose_keeper_was_killed_says_so(docker_backend, docker_engine, agent_image):
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        box.run(["sh", "-c", "kill -9 -1"], timeout_s=10)
        deadline = time.monotonic() + 20
        while _exists(docker_engine.containers, box.container_id) and time.monotonic() < deadline:
            time.sleep(0.2)  # the engine stops and auto-removes it
        with pytest.raises(SandboxError, match="gone"):
            box.run(["true"], timeout_s=10)


def _tree(root, name: str, mode: int):
    (root / "sub").mkdir(parents=True)
    (root / "sub" / name).write_text(f"{name}\n")
    (root / "sub" / name).chmod(mode)
    return root


def test_copies_before_and_after_the_first_command_keep_content_and_modes(
    docker_backend, agent_image, tmp_path
):
    # Before the first command the keeper unpacks copies; after it, only the engine does: the
    # first command stops the keeper, and the late copy still arrives, whole.
    show = "stat -c '%n %a' */sub/*"
    stop_keeper = "kill -STOP $(pgrep -o -P 1)"
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        box.copy_in(_tree(tmp_path / "a", "run.sh", 0o750), "/work/a")
        box.copy_in(_tree(tmp_path / "b", "secret.txt", 0o640), "/work/b")
        before = box.run(["sh", "-c", f"{show}; {stop_keeper}"], timeout_s=10)
        box.copy_in(_tree(tmp_path / "c", "late.py", 0o604), "/work/c")
        after = box.run(["sh", "-c", f"cat c/sub/late.py; {show}"], timeout_s=10)
    assert before.ok, before
    assert before.stdout.splitlines() == ["a/sub/run.sh 750", "b/sub/secret.txt 640"]
    assert after.ok, after
    assert after.stdout.splitlines() == [
        "late.py",
        "a/sub/run.sh 750",
        "b/sub/secret.txt 640",
        "c/sub/late.py 604",
    ]


FORGED = (
    "import io, os, tarfile, subprocess\n"
    "keeper = subprocess.run(['pgrep', '-o', '-P', '1'], capture_output=True, text=True)\n"
    "buf = io.BytesIO()\n"
    "with tarfile.open(fileobj=buf, mode='w') as tar:\n"
    "    data = b'forged\\n'\n"
    "    info = tarfile.TarInfo('repo/answer.txt'); info.size = len(data)\n"
    "    tar.addfile(info, io.BytesIO(data))\n"
    "forged = buf.getvalue()\n"
    "with open(f'/proc/{keeper.stdout.strip()}/fd/1', 'wb') as out:\n"
    "    out.write(b'godelbox-archive 0 %d\\n' % len(forged) + forged)\n"
)


@pytest.mark.parametrize("agent", ["forge", "stop"])
def test_copy_out_is_the_sandbox_content_whatever_the_agent_does_to_the_keeper(
    docker_backend, agent_image, tmp_path, monkeypatch, agent
):
    """Copy-outs ask the keeper first; an agent that forged its answer or stopped it gets the
    work dir's real content out (through the engine when the keeper fails). Killing the keeper
    ends the container (test_a_sandbox_whose_keeper_was_killed_says_so)."""
    import godelbox.sandbox.docker as docker_module

    monkeypatch.setattr(docker_module, "PACK_TIMEOUT_S", 2.0)
    tree = tmp_path / "repo"
    tree.mkdir()
    (tree / "answer.txt").write_text("real\n")
    argv = {
        "forge": ["python3", "-c", FORGED],
        "stop": ["sh", "-c", "kill -STOP $(pgrep -o -P 1)"],
    }[agent]
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        box.copy_in(tree, "/work/repo")
        assert box.run(argv, timeout_s=20).ok
        box.copy_out("/work/repo", tmp_path / "out")
        box.copy_out("/work/repo", tmp_path / "again")
    assert (tmp_path / "out" / "answer.txt").read_text() == "real\n"
    assert (tmp_path / "again" / "answer.txt").read_text() == "real\n"


def test_a_copy_in_larger_than_the_work_dir_fails_clearly_and_the_sandbox_stays_usable(
    docker_backend, agent_image, tmp_path
):
    big = tmp_path / "big"
    big.mkdir()
    (big / "blob").write_bytes(os.urandom(3 * 1024 * 1024))
    spec = SandboxSpec(agent_image, limits=Limits(work_mb=1))
    with docker_backend.start(spec) as box:
        with pytest.raises(
            SandboxError,
            match=r"copying .*/work/big.* failed \(work dir limit 1 MB\): tar: .*Wrote only",
        ):
            box.copy_in(big, "/work/big")
        assert box.run(["rm", "-rf", "/work/big"], timeout_s=10).ok
        box.copy_in(_tree(tmp_path / "small", "ok.txt", 0o644), "/work/small")
        res = box.run(["cat", "/work/small/sub/ok.txt"], timeout_s=10)
    assert res.ok and res.stdout == "ok.txt\n", res


def test_localhost_resolves_to_loopback_with_networking_disabled(docker_backend, agent_image):
    """Containers start with networking disabled (no libnetwork hook), where the engine writes
    no /etc/hosts; chromedriver's client and test suites still reach "localhost"."""
    probe = (
        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
        "c = socket.create_connection(('localhost', s.getsockname()[1]), timeout=5); "
        "print(c.getpeername()[0])"
    )
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        res = box.run(["python3", "-c", probe], timeout_s=30)
    assert res.ok, res.stderr
    assert res.stdout.strip() == "127.0.0.1"
