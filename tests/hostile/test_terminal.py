"""Agent text on the operator's terminal: replay, show and the TUI's detail pane, the daemon's
event lines, and stored text caps. Printed through real rich consoles that believe they drive
a terminal; what reaches it must carry no escape sequence or control character of the agent's
(rich's own styling is allowed, so the check is on the agent's payloads)."""

from __future__ import annotations

import io

from rich.console import Console

from godelbox.agent_text import cap_text, for_terminal
from godelbox.evaluator.results import STORED_PATCH_CHARS, TaskResult
from godelbox.loop.display import LiveReporter
from godelbox.views.node_detail import render_node_detail
from godelbox.views.records import ModelCallRow, NodeDetail, NodeSummary
from godelbox.views.records import TaskResult as TaskRow
from godelbox.views.replay import ReplayStep, print_replay

NASTY = (
    "\x1b]0;owned\x07\x1b[2J\x1b[H\x1b]8;;http://evil.invalid\x07link\x1b]8;;\x07"
    "\x9b31mc1\x1bP+q\x1b\\\x1bcreset\rover\x08\x00\u202egnp.exe"
)
PAYLOADS = ("owned", "evil.invalid", "\x07", "\x9b", "\r", "\x08", "\x00", "\u202e", "\x1bc")


def _terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=200, color_system="truecolor"), out


def _clean(printed: str) -> None:
    for payload in PAYLOADS:
        assert payload not in printed, repr(payload)
    assert "\x1b]" not in printed and "\x1b[2J" not in printed and "\x1bP" not in printed


def test_for_terminal_keeps_text_and_drops_every_control():
    shown = for_terminal(f"line one\n\tindented {NASTY} end")
    assert shown == "line one\n\tindented linkc1resetovergnp.exe end"


def test_show_and_the_tui_detail_pane_strip_agent_text():
    detail = NodeDetail(
        summary=NodeSummary(7, 1, "failed", 0.5, 1, 0),
        commit_sha="abc",
        parent_score=0.25,
        proposal={"diagnosis": NASTY, "log_tail": [NASTY], f"key{NASTY}": {"k": NASTY}},
        reason=NASTY,
        files_changed=1,
        insertions=1,
        deletions=0,
        tasks_resolved=0,
        tasks_attempted=1,
        finished_at=None,
        wall_time_s=None,
        tasks=(TaskRow(1, f"task{NASTY}", "error", 0.0, 1.0),),
        llm_calls=(ModelCallRow("agent", "m", 1, 1, 0.0, 0.1, NASTY),),
    )
    console, out = _terminal()
    console.print(render_node_detail(detail, f"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-{NASTY}\n+ok\n"))
    _clean(out.getvalue())
    assert "gnp.exe" in out.getvalue()


def test_replay_strips_agent_text_on_a_terminal_and_in_a_pipe():
    step = ReplayStep(
        node=NodeSummary(2, 1, "evaluated", 1.0, 1, 0),
        parent_score=0.0,
        proposal={"improvement_proposal": NASTY},
        diff=f"+{NASTY}\n",
        fixed=(f"t{NASTY}",),
        broken=(),
        resolved=(),
    )
    for terminal in (True, False):
        out = io.StringIO()
        print_replay([step], Console(file=out, force_terminal=terminal, width=200))
        _clean(out.getvalue())


def test_the_daemons_event_lines_strip_agent_text():
    console, out = _terminal()
    reporter = LiveReporter(console)
    reporter.event("task.error", f"node 3: {NASTY}")
    reporter.close()
    printed = out.getvalue()
    assert "node 3: linkc1resetovergnp.exe" in printed
    # The live panel redraws itself with \r and cursor moves; the agent's payloads are gone.
    for payload in ("owned", "evil.invalid", "\x07", "\x9b", "\x08", "\u202e", "\x1bc"):
        assert payload not in printed, repr(payload)


def test_stored_results_are_capped_with_a_visible_marker():
    huge = "+" + "x" * (40 * 1024 * 1024)
    stored = TaskResult("t", "unresolved", NASTY * 1000, patch=huge, log=huge).stored()
    assert len(stored.patch) < STORED_PATCH_CHARS + 100
    assert "characters cut" in stored.patch and "characters cut" in stored.log
    assert stored.patch.startswith("+xxx") and len(stored.reason) < 4100
    assert cap_text("short", 10) == "short"
