"""Conversations with sandboxed processes (`Sandbox.open`): lines both ways, bounded while
streaming, deadlines on every read, on every backend the web harness can use."""

from __future__ import annotations

import time

import pytest

from godelbox.sandbox.base import SandboxSpec
from godelbox.sandbox.local import LocalBackend
from godelbox.sandbox.stream import STDERR_TAIL, LineStream

ECHO = (
    "import sys\n"
    "for line in sys.stdin:\n"
    "    if line.startswith('big'):\n"
    "        sys.stdout.write('x' * 5000 + '\\n'); sys.stdout.flush(); continue\n"
    "    if line.startswith('noise'):\n"
    "        sys.stderr.write('e' * 100000); sys.stderr.flush(); continue\n"
    "    if line.startswith('quiet'):\n"
    "        continue\n"
    "    sys.stdout.write('echo ' + line); sys.stdout.flush()\n"
)


def converse(stream: LineStream) -> None:
    soon = time.monotonic() + 30
    assert stream.send(b"hello")
    assert stream.read_line(soon) == b"echo hello"
    # A line past the cap is dropped whole, and the next line still arrives intact.
    stream._max_line = 1000
    assert stream.send(b"big") and stream.send(b"after")
    assert stream.read_line(soon) == b"echo after" and stream.dropped == 1
    # stderr floods are kept as a bounded tail.
    assert stream.send(b"noise") and stream.send(b"ping")
    assert stream.read_line(soon) == b"echo ping"
    assert 0 < len(stream.stderr()) <= STDERR_TAIL
    # No answer: the read gives up at its deadline.
    assert stream.send(b"quiet")
    started = time.monotonic()
    assert stream.read_line(time.monotonic() + 0.5) is None
    assert 0.4 < time.monotonic() - started < 10
    assert not stream.eof


def ends_at_eof(stream: LineStream) -> None:
    assert stream.send(b"last")
    assert stream.read_line(time.monotonic() + 30) == b"echo last"
    stream.close()
    assert not stream.send(b"more")


def test_local_stream() -> None:
    with LocalBackend().start(SandboxSpec("unused")) as box:
        stream = box.open(["python3", "-c", ECHO])
        converse(stream)
        ends_at_eof(stream)


def test_a_process_that_exits_ends_the_stream() -> None:
    with LocalBackend().start(SandboxSpec("unused")) as box:
        stream = box.open(["python3", "-c", "print('bye')"])
        assert stream.read_line(time.monotonic() + 30) == b"bye"
        assert stream.read_line(time.monotonic() + 30) is None and stream.eof


@pytest.mark.docker
def test_docker_stream(docker_backend, agent_image) -> None:
    with docker_backend.start(SandboxSpec(agent_image)) as box:
        stream = box.open(["python3", "-c", ECHO])
        converse(stream)
        ends_at_eof(stream)
        # The sandbox stays usable for ordinary commands.
        assert box.run(["true"], timeout_s=30).ok


@pytest.mark.docker
def test_bubblewrap_stream(bwrap_backend) -> None:
    with bwrap_backend.start(SandboxSpec("unused")) as box:
        stream = box.open(["python3", "-c", ECHO])
        converse(stream)
        ends_at_eof(stream)
