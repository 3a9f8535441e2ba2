"""Text an agent wrote, made safe to keep and to show.

Logs, patches, trajectories, test output, failure reasons and proposal text all carry bytes an
agent chose. Two things go wrong with them: they can be huge (one answer of 40 MiB became a
journal of 44 MB), and printed raw they drive the operator's terminal (escape sequences can move
the cursor, rewrite earlier lines, set the window title, plant hyperlinks, or answer back).

`cap_text` keeps the head and the tail of a long text with a visible marker of what was cut;
`for_terminal` removes escape sequences and every other control or bidirectional-override
character (tabs and newlines stay) before anything reaches a terminal.
"""

from __future__ import annotations

import re

CUT_MARK = "[... {cut} characters cut ...]"

_ESCAPES = re.compile(
    r"""
      (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]       # CSI ... final byte
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) .*? (?:\x07|\x1b\\|\x9c|$)  # OSC/DCS/SOS/PM/APC
    | \x1b [\x20-\x2f]* [\x30-\x7e]                                 # other escapes (ESC 7, ESC c)
    """,
    re.VERBOSE | re.DOTALL,
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def cap_text(text: str, cap: int) -> str:
    """Keep the head (a quarter) and the tail of `text` when it is longer than `cap`, with a
    marker saying how much was cut."""
    if len(text) <= cap:
        return text
    head = cap // 4
    tail = cap - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n{CUT_MARK.format(cut=cut)}\n{text[-tail:] if tail else ''}"


def for_terminal(text: str) -> str:
    """`text` without terminal escape sequences and control characters (newline and tab
    kept), so printing it cannot act on the terminal."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))
