"""The bash environment: exit codes, timeouts that really kill, and output that stays bounded."""

import time
from pathlib import Path

import pytest
from environment import LocalEnvironment, truncate


@pytest.fixture
def env(tmp_path: Path) -> LocalEnvironment:
    return LocalEnvironment(tmp_path, output_limit_chars=1000)


def test_runs_in_the_workspace_with_merged_output_and_exit_code(
    env: LocalEnvironment, tmp_path: Path
) -> None:
    out = env.execute("pwd; echo oops >&2; exit 3", timeout_s=10)
    assert out.exit_code == 3 and not out.timed_out
    assert out.text.splitlines() == [str(tmp_path), "oops"]


def test_commands_do_not_leave_bytecode_or_caches_in_the_workspace(env: LocalEnvironment) -> None:
    out = env.execute("echo $PYTHONDONTWRITEBYTECODE $PYTEST_ADDOPTS $GIT_PAGER", timeout_s=10)
    assert out.text.strip() == "1 -p no:cacheprovider cat"


def test_stdin_is_closed_so_interactive_commands_cannot_wait_forever(env: LocalEnvironment) -> None:
    out = env.execute("read line; echo got=$?", timeout_s=10)
    assert out.text.strip() == "got=1" and not out.timed_out


def test_timeout_kills_the_whole_process_group_and_keeps_partial_output(
    env: LocalEnvironment, tmp_path: Path
) -> None:
    # Five seconds, not less: under a loaded CI machine bash took longer than half a second to
    # print `before` and write bg.pid, and the test then failed on what it had not yet run.
    out = env.execute("echo before; sleep 60 & echo $! > bg.pid; sleep 60", timeout_s=5)
    assert out.timed_out and out.exit_code is None
    assert out.text.strip() == "before"
    assert _dies(int((tmp_path / "bg.pid").read_text()))


def test_a_background_process_holding_the_output_open_is_killed(
    env: LocalEnvironment, tmp_path: Path
) -> None:
    out = env.execute("sleep 60 & echo $! > bg.pid; echo started", timeout_s=30)
    assert out.exit_code == 0 and not out.timed_out and out.text.strip() == "started"
    assert _dies(int((tmp_path / "bg.pid").read_text()))


def test_long_output_keeps_head_and_tail_with_a_note(env: LocalEnvironment) -> None:
    out = env.execute("seq 1 100000", timeout_s=30)
    lines = out.text.splitlines()
    assert lines[:3] == ["1", "2", "3"] and lines[-1] == "100000"
    assert "bytes omitted" in out.text
    assert len(out.text) < 1200


def test_huge_output_is_captured_in_bounded_memory(env: LocalEnvironment) -> None:
    out = env.execute("head -c 30000000 /dev/zero | tr '\\0' x; echo; echo END", timeout_s=60)
    assert out.exit_code == 0 and out.text.endswith("END\n")
    omitted = int(out.text.split("[... ")[1].split(" bytes")[0])
    assert omitted == 30_000_005 - 1000  # 30 MB of x, two newlines, END; 500 bytes kept each side


def test_truncate_short_text_is_unchanged_and_long_text_says_how_much_was_cut() -> None:
    assert truncate("abc", 10) == "abc"
    cut = truncate("a" * 50 + "b" * 50, 20)
    assert cut.startswith("a" * 10) and cut.endswith("b" * 10)
    assert "80 characters omitted" in cut


def _dies(pid: int) -> bool:
    """True once `pid` is gone or a zombie (SIGKILL is delivered asynchronously, so poll)."""
    for _ in range(100):
        stat = Path(f"/proc/{pid}/stat")
        try:
            if stat.read_text().split(") ")[1].startswith("Z"):
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False
