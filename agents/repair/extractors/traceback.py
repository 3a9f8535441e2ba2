"""Tracebacks pasted into an issue: the code that raised must stop raising that exception.

The code is the snippet the reporter ran (the last code block before the traceback), else the
line of the outermost frame that the traceback quotes (the caller's own code). When the text
after the traceback says which exception should have been raised instead ("it should raise
ValueError"), the check asks for that one. Tracebacks inside `>>>` sessions are the session
extractor's.
"""

from __future__ import annotations

import re

from extractors._text import FENCE, code_blocks

HEADER = re.compile(r"^[ \t]*Traceback \(most recent call last\):[ \t]*$", re.MULTILINE)
FRAME = re.compile(r'^[ \t]*File "([^"]+)", line \d+(?:, in (\S+))?')
EXCEPTION = re.compile(r"^[ \t]*([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning))\b")
SHOULD_RAISE = re.compile(
    r"\bshould\s+(?:have\s+)?(?:raised?|be\s+raising)\s+(?:an?\s+)?`?([A-Za-z_]\w*)`?",
    re.IGNORECASE,
)


def extract(problem: str) -> list[str]:
    checks = []
    for match in HEADER.finditer(problem):
        before = problem[: match.start()]
        if before.rstrip().splitlines()[-1:] and ">>>" in before.rstrip().splitlines()[-1]:
            continue
        lines = problem[match.end() :].splitlines()[1:]
        frames, raised, end = _parse(lines)
        if raised is None:
            continue
        code = _snippet(before) or _outermost_line(frames)
        if not code:
            continue
        after = "\n".join(lines[end : end + 6])
        wanted = SHOULD_RAISE.search(after)
        if wanted and wanted.group(1) != raised:
            check = f"_expect_raises({wanted.group(1)!r}, lambda: exec({code!r}, globals()))\n"
        else:
            check = f"_expect_not_raises({raised!r}, lambda: exec({code!r}, globals()))\n"
        if check not in checks:
            checks.append(check)
    return checks


def _parse(lines: list[str]) -> tuple[list[tuple[str, str]], str | None, int]:
    """([(file, quoted source line)], the exception's name, index after the traceback)."""
    frames: list[tuple[str, str]] = []
    for index, line in enumerate(lines):
        frame = FRAME.match(line)
        if frame:
            frames.append((frame.group(1), ""))
            continue
        exception = EXCEPTION.match(line)
        if exception and not line.startswith((" " * 4, "\t")):
            return frames, exception.group(1).rsplit(".", 1)[-1], index + 1
        if frames and not frames[-1][1] and line.strip() and not set(line.strip()) <= set("^~ "):
            frames[-1] = (frames[-1][0], line.strip())
        if not line.strip() and index > 0 and not frames:
            break
    return frames, None, len(lines)


def _snippet(before: str) -> str | None:
    """The last code block that ends within the few lines before the traceback."""
    tail = before[-1500:]
    blocks = code_blocks(tail)
    fenced = list(FENCE.finditer(tail))
    if not blocks or not fenced:
        return None
    gap = tail[fenced[-1].end() :]
    if len(gap.strip().splitlines()) > 3:
        return None
    code = fenced[-1].group(3)
    try:
        compile(code, "<snippet>", "exec")
    except SyntaxError:
        return None
    return code if ">>>" not in code else None


def _outermost_line(frames: list[tuple[str, str]]) -> str | None:
    for _file, source in frames:
        if source:
            try:
                compile(source, "<frame>", "exec")
            except SyntaxError:
                return None
            return source
    return None
