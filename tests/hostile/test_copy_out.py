"""Hostile answers: what an agent leaves in its workspace and log dir, taken through the real
evaluator in real docker. Each case asserts the host stayed within its memory and disk bounds,
the task got a clear outcome, the run goes on (an honest agent right after is resolved), and no
scratch tree is left once the trash is done."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from godelbox.agent_text import for_terminal
from godelbox.sandbox.base import CopyLimits, Limits, SandboxSpec
from tests.hostile.arena import MB, Arena, Footprint

pytestmark = pytest.mark.docker

LIMITS = CopyLimits()
RSS_BOUND_MB = 100
"""What one hostile attempt may add to this process's peak memory (an honest one adds ~10)."""
DISK_BOUND_MB = LIMITS.total_mb + LIMITS.files * 4096 / MB + 32
"""Bytes of files, one tmpfs page per entry, and the pristine tree's views."""


def _contained(arena: Arena, footprint: Footprint) -> None:
    assert footprint.rss_mb < RSS_BOUND_MB, footprint
    assert footprint.scratch_mb < DISK_BOUND_MB, footprint
    assert arena.honest_still_resolves().outcome == "resolved"
    assert arena.scratch_left() == []


@pytest.mark.parametrize(
    ("agent", "limit"),
    [
        ("deep_chain", "sandbox.copy_out_depth"),
        ("sparse_file", "sandbox.copy_out_file_mb"),
        ("many_files", "sandbox.copy_out_files"),
    ],
)
def test_a_tree_over_a_limit_is_a_clear_error_and_nothing_is_kept(arena, agent, limit):
    result, footprint = arena.attempt(arena.agent(agent))
    assert result.outcome == "error" and not result.infra, result.reason
    assert limit in result.reason and "nothing of it was kept" in result.reason
    _contained(arena, footprint)


def test_the_sparse_gigabyte_is_refused_at_its_header(arena):
    _, footprint = arena.attempt(arena.agent("sparse_file"))
    assert footprint.scratch_mb < 16  # not a byte of it written
    assert arena.scratch_left() == []


def test_links_out_of_the_workspace_refuse_the_answer(arena):
    result, footprint = arena.attempt(arena.agent("escaping_links"))
    assert result.outcome == "error", result.reason
    assert "could not copy the workspace out" in result.reason and "link" in result.reason
    _contained(arena, footprint)


def test_the_link_ordering_trick_ends_inside_the_answer(arena):
    """Python 3.11.7's own filter lets these links out to /etc/hostname and /tmp; the copy
    keeps them, rewritten to where they lexically point: inside the tree."""
    result, footprint = arena.attempt(arena.agent("sorted_links"))
    assert result.outcome == "unresolved", result.reason
    links = _link_targets(result.patch)
    assert links == {"0host": "etc/hostname", "0tmp": "tmp", "a": "."}
    _contained(arena, footprint)


_AGENT_LINKS = """
import os, sys
ws = sys.argv[1]
climb = "/".join(["a"] * 12 + [".."] * 12)
os.symlink(climb + "/etc/hostname", os.path.join(ws, "0host"))
os.symlink(climb + "/tmp", os.path.join(ws, "0tmp"))
os.symlink(".", os.path.join(ws, "a"))
open(os.path.join(ws, "ok.txt"), "w").write("ok")
os.symlink("../../ok.txt", os.path.join(ws, "sub", "deeper", "fine"))
os.symlink("a/../a/ok.txt", os.path.join(ws, "sub", "odd"))
"""


def test_links_resolve_inside_the_copied_tree_on_every_backend(backend, image, tmp_path):
    with backend.start(SandboxSpec(image)) as box:
        box.run(["mkdir", "-p", "/work/repo/sub/deeper"], timeout_s=10)
        made = box.run(["python3", "-c", _AGENT_LINKS, "/work/repo"], timeout_s=30)
        assert made.ok, made.stderr
        box.copy_out("/work/repo", tmp_path / "out")
    out = (tmp_path / "out").resolve()
    links = [
        Path(folder, name)
        for folder, dirs, files in os.walk(out)
        for name in dirs + files
        if Path(folder, name).is_symlink()
    ]
    assert len(links) == 5
    for link in links:
        assert Path(os.path.realpath(link)).is_relative_to(out), (link, os.readlink(link))
    assert os.readlink(out / "sub" / "deeper" / "fine") == "../../ok.txt"  # kept byte for byte


def test_special_files_are_left_out_and_named_in_the_log(arena):
    result, footprint = arena.attempt(arena.agent("special_files"))
    assert result.outcome == "unresolved", result.reason
    assert "copy-out left out" in result.log and "pipe (a FIFO)" in result.log
    assert "agent.log (a FIFO)" in result.log  # the log dir's too, without blocking on it
    touched = {line.split(" b/")[-1] for line in result.patch.splitlines() if " b/" in line}
    assert {"CON", "NUL", "aux.py", "null", "zero", "tty"} <= touched
    assert not {"pipe", "sock"} & touched
    _contained(arena, footprint)


def test_unsafe_names_are_left_out_and_escapes_never_reach_a_terminal(arena):
    result, footprint = arena.attempt(arena.agent("nasty_names"))
    assert result.outcome == "unresolved", result.reason
    assert "fine.txt" in result.patch
    for raw in ("evil\nname", "\x1b]0;pwned", "\x1b[2Jclear", "bad\udcff", "dir\rwith"):
        assert raw not in result.patch
    assert "left out 5 entries" in result.log
    assert "evil\\nname.py" in result.log and "\\u001b]0;pwned\\u0007title" in result.log
    assert "\x1b" in result.log  # stored as the agent printed it ...
    shown = for_terminal(result.log)  # ... but never shown that way
    assert not any(c in shown for c in "\x1b\x07\x9b\r")
    assert "rewritten line" in shown and "click" in shown
    _contained(arena, footprint)


def test_a_background_process_is_gone_before_the_answer_is_copied(arena):
    result, footprint = arena.attempt(arena.agent("background_writer"))
    assert result.outcome == "unresolved", result.reason
    assert "LATE" not in result.patch and "LATE" not in result.log
    _contained(arena, footprint)


# The file exists before the command returns: on a busy machine the writer may not have run
# yet when it is killed, and "no file" would read as a failure to measure.
BACKGROUND = (
    ": > /work/late.txt; (sh -c 'while :; do echo LATE >> /work/late.txt; sleep 0.01; done' "
    "</dev/null >/dev/null 2>&1 &) ; echo started"
)


def test_nothing_a_command_started_outlives_it_on_any_backend(backend, image):
    with backend.start(SandboxSpec(image, limits=Limits(memory_mb=256))) as box:
        assert box.run(["sh", "-c", BACKGROUND], timeout_s=10).stdout == "started\n"
        sizes = box.run(
            ["sh", "-c", "wc -c < /work/late.txt; sleep 0.5; wc -c < /work/late.txt"],
            timeout_s=10,
        )
        first, second = sizes.stdout.split()
        assert first == second, "the background writer was still writing"
        left = box.run(["sh", "-c", "ls /proc | grep -c '^[0-9]'"], timeout_s=10)
        # docker: docker-init, the keeper, this sh, ls and grep; bubblewrap: its own pid 1 too.
        assert int(left.stdout) <= 5


def _link_targets(patch: str) -> dict[str, str]:
    """Symlinks a git diff creates: path -> target."""
    targets: dict[str, str] = {}
    sections = patch.split("diff --git ")[1:]
    for section in sections:
        if "new file mode 120000" not in section:
            continue
        path = section.split("\n", 1)[0].split(" b/")[-1]
        body = [
            line[1:] for line in section.splitlines() if line.startswith("+") and line[1:2] != "+"
        ]
        targets[path] = body[0]
    return targets
