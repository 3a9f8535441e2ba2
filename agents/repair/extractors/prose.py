"""Values stated in prose around inline code:

    `mean([1, 2])` should return 1.5.
    `slug("A B")` gives "a-b-" instead of "a-b".
    I expected `parse("")` to raise ValueError.
    `clamp(5, 0, 3) == 3` should hold.

Only code that calls something with a value counts (a bare `mean()` names a function), and only
a value the sentence clearly marks as the expected one.
"""

from __future__ import annotations

import re

from extractors._text import INLINE, calls_with_values, expression, leading_value

SENTENCE = r"^(?:[^.;\n]|\.(?=\S))*?"
"""Text up to a cue within the sentence (a period inside `1.5` does not end it)."""
WINDOW = 160
"""Characters after a piece of code searched for its expected value (about a sentence)."""
SHOULD = re.compile(
    SENTENCE + r"\b(?:should|must|ought\s+to|is\s+expected\s+to|is\s+supposed\s+to)\s+"
    r"(?:instead\s+|rather\s+|really\s+|also\s+)?(?:return|be|give|equal|produce|yield|output|"
    r"evaluate\s+to|come\s+back\s+as)\b",
    re.IGNORECASE,
)
INSTEAD = re.compile(
    SENTENCE + r"(?:\binstead\s+of|\brather\s+than|[,(]\s*(?:but\s+)?expected(?:\s+was)?|"
    r"\bbut\s+(?:I\s+)?expected)\s*:?",
    re.IGNORECASE,
)
RAISE = re.compile(
    SENTENCE + r"\b(?:should|must|to)\s+raise\s+(?:an?\s+)?`?([A-Za-z_]\w*)`?", re.IGNORECASE
)
EXPECT_BEFORE = re.compile(r"\bexpect(?:ed|s)?\s*$", re.IGNORECASE)
AFTER_EXPECT = re.compile(r"^\s*to\s+(?:return|be|give|equal)\b", re.IGNORECASE)
HOLDS = re.compile(SENTENCE + r"\b(?:should|must)\s+(?:hold|be\s+true|pass)\b", re.IGNORECASE)


def extract(problem: str) -> list[str]:
    checks = []
    for match in INLINE.finditer(problem):
        code = expression(match.group(1))
        if code is None:
            continue
        check = _check(
            code,
            problem[max(0, match.start() - 40) : match.start()],
            problem[match.end() : match.end() + WINDOW],
        )
        if check and check not in checks:
            checks.append(check)
    return checks


def _check(code: str, before: str, after: str) -> str | None:
    if any(op in code for op in ("==", "!=", " in ", " is ")) and HOLDS.match(after):
        return f"assert {code}\n"
    if not calls_with_values(code):
        return None
    raised = RAISE.match(after)
    if raised:
        return f"_expect_raises({raised.group(1)!r}, lambda: ({code}))\n"
    for cue in (SHOULD, INSTEAD):
        found = cue.match(after)
        if found:
            wanted = leading_value(after[found.end() :])
            if wanted:
                return f"_expect(({code}), {wanted})\n"
    if EXPECT_BEFORE.search(before):
        found = AFTER_EXPECT.match(after)
        if found:
            wanted = leading_value(after[found.end() :])
            if wanted:
                return f"_expect(({code}), {wanted})\n"
    return None
