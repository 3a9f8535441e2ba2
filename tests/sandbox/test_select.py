"""Backend selection is explicit and loud; the unsafe local backend still enforces time/output."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from godelbox.config import ConfigError, load_config
from godelbox.sandbox.base import Limits, SandboxSpec
from godelbox.sandbox.local import LocalBackend
from godelbox.sandbox.select import backend_for, limits_for, release


def _section(**overrides: str):
    return load_config(env={}, overrides=overrides).config.sandbox


def test_none_without_the_unsafe_flag_is_refused():
    with pytest.raises(ConfigError, match="unsafe_no_sandbox"):
        _section(**{"sandbox.backend": "none"})


def test_none_with_the_unsafe_flag_is_loud():
    out = io.StringIO()
    section = _section(**{"sandbox.backend": "none", "sandbox.unsafe_no_sandbox": "true"})
    backend = backend_for(section, Console(file=out, width=200))
    assert isinstance(backend, LocalBackend)
    assert "UNSAFE" in out.getvalue() and "NO isolation" in out.getvalue()


@pytest.mark.docker
def test_auto_picks_docker_when_an_engine_answers(docker_engine):
    out = io.StringIO()
    pooled = backend_for(_section(), Console(file=out))
    release(pooled)
    assert pooled.name == "docker+pool" and out.getvalue() == ""  # sandbox.warm_pool = 2
    plain = backend_for(_section(**{"sandbox.warm_pool": "0"}), Console(file=out))
    assert plain.name == "docker" and out.getvalue() == ""


def test_limits_follow_the_config():
    section = _section(**{"sandbox.memory_mb": "300", "sandbox.pids": "64"})
    assert limits_for(section) == Limits(memory_mb=300, pids=64)


def test_local_backend_maps_work_dir_and_still_times_out(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "f.txt").write_text("data")
    with LocalBackend().start(SandboxSpec("unused")) as box:
        box.copy_in(tmp_path / "in", "/work/in")
        res = box.run(["cat", "/work/in/f.txt"], timeout_s=10)
        assert res.ok and res.stdout == "data"
        slow = box.run(["sleep", "100"], timeout_s=0.5)
        assert slow.ended == "timeout" and slow.duration_s < 3
        box.run(["sh", "-c", "echo out > /work/in/g.txt"], timeout_s=10)
        box.run(["sh", "-c", "mkdir -p /work/in/sub/.git && touch /work/in/sub/.git/x"], 10)
        box.copy_out("/work/in", tmp_path / "out", skip=(".git",))
    assert (tmp_path / "out" / "g.txt").read_text() == "out\n"
    assert (tmp_path / "out" / "sub").is_dir() and not (tmp_path / "out" / "sub" / ".git").exists()


def test_local_backend_gives_the_agent_no_host_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-host-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
    with LocalBackend().start(SandboxSpec("unused", env={"GIVEN": "1"})) as box:
        res = box.run(["env"], timeout_s=10, env={"ALSO": "2"})
        left = box.run(["sh", "-c", "(sleep 3127 &) ; echo bye"], timeout_s=10)
        after = box.run(["sh", "-c", "pgrep -f '^sleep 3127$' || echo none"], timeout_s=10)
    seen = dict(line.split("=", 1) for line in res.stdout.splitlines())
    assert "host-secret" not in res.stdout and "sk-host-secret" not in res.stdout
    assert seen["GIVEN"] == "1" and seen["ALSO"] == "2" and "PATH" in seen
    assert left.stdout == "bye\n" and after.stdout == "none\n"
