"""Code whose comments say what a line should give, as people write it in issues:

    total = mean([1, 2])   # expected 1.5, got 1
    print(slug("A B"))     # should be a-b
    parse("")              # should raise ValueError

Each commented line becomes one check: the code before it runs as written, then the line's value
is compared with the expected one (as a Python value when it parses as one, else as printed text).
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from extractors import _text
from extractors._text import code_blocks, leading_value

CUE = re.compile(
    r"(?:\bexpected\b|\bexpecting\b|\bexpect\b|\bshould\s+(?:have\s+)?(?:be(?:en)?|return(?:ed)?|"
    r"give|print|equal|output|produce|yield)\b|\bwant(?:ed)?\b|\bcorrect(?:\s+(?:answer|result|"
    r"value|output))?\s*(?:is|would\s+be)\b|->|=>)\s*:?\s*",
    re.IGNORECASE,
)
RAISE = re.compile(
    r"\b(?:should|must|expected\s+to|ought\s+to)\s+raise\s+(?:an?\s+)?`?([A-Za-z_]\w*)`?",
    re.IGNORECASE,
)
TAIL = re.compile(
    r"(?:\s*[,;(]\s*|\s+)(?:but\s+)?(?:got|gets|actual(?:ly)?|not|instead|currently|today|"
    r"returns|gives|is)\b.*$",
    re.IGNORECASE,
)


def extract(problem: str) -> list[str]:
    checks = []
    for block in code_blocks(problem):
        if ">>>" in block:
            continue
        try:
            tree = ast.parse(block)
        except SyntaxError:
            continue
        lines = block.splitlines(keepends=True)
        for line, comment in _comments(block):
            stmt = next((s for s in tree.body if s.end_lineno == line), None)
            check = _check(lines, stmt, comment) if stmt is not None else None
            if check is not None and check not in checks:
                checks.append(check)
    return checks


def _comments(block: str) -> list[tuple[int, str]]:
    found = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(block).readline):
            if token.type == tokenize.COMMENT:
                found.append((token.start[0], token.string.lstrip("#").strip()))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    return found


def _check(lines: list[str], stmt: ast.stmt, comment: str) -> str | None:
    setup = "".join(lines[: stmt.lineno - 1])
    code = "".join(lines[stmt.lineno - 1 : stmt.end_lineno])
    code = code[stmt.col_offset :] if stmt.col_offset else code
    raised = RAISE.search(comment)
    if raised:
        return setup + f"_expect_raises({raised.group(1)!r}, lambda: exec({code!r}, globals()))\n"
    cue = CUE.search(comment)
    if not cue:
        return None
    rest = comment[cue.end() :]
    wanted = TAIL.sub("", rest).strip().rstrip(".")
    value = leading_value(rest) or _text.value(wanted)
    if not (value or wanted):
        return None
    subject, statement = _subject(stmt, "".join(lines))
    if subject is None:
        return None
    test = f"_expect({subject}, {value})" if value else f"_expect_text({subject}, {wanted!r})"
    return setup + statement + test + "\n"


def _subject(stmt: ast.stmt, block: str) -> tuple[str | None, str]:
    """(the expression whose value the comment states, code to run before comparing it)."""
    source = ast.get_source_segment(block, stmt) or ""
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "print"
            and len(value.args) == 1
            and not value.keywords
        ):
            return f"({ast.get_source_segment(block, value.args[0])})", ""
        return f"({ast.get_source_segment(block, value)})", ""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if isinstance(target, ast.Name):
            return target.id, source + "\n"
    return None, ""
