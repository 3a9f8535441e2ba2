"""Interactive sessions pasted into an issue (`>>>` / `...` prompts, or IPython's `In [1]:` /
`Out[1]:`), with what each statement printed.

Whether the printed output is what the reporter expects or what they got is read from the words
around the session: "I get:", "currently returns:", "actual output" before it mean the output is
the bug's; otherwise (doctest's convention, and "should give:", or "instead I get ..." after it)
it is the expected output. A comment on an output line (`4  # should be 5`) always wins. An
expected session becomes a doctest run; in an actual session, a traceback means the statement
must stop raising that exception, and a printed value with no correction means the value must
change.
"""

from __future__ import annotations

import re

from extractors._text import leading_value

PROMPT = re.compile(r"^[ \t]*(>>>|\.\.\.)( |$)")
IPYTHON_IN = re.compile(r"^[ \t]*In \[\d+\]: ?")
IPYTHON_OUT = re.compile(r"^[ \t]*Out\[\d+\]: ?")
IPYTHON_MORE = re.compile(r"^[ \t]*\.\.\.+: ?")
CORRECTION = re.compile(
    r"\s+#\s*(?:expected|should\s+(?:be|return|give)|want(?:ed)?|correct(?:\s+is)?)\s*:?\s*(.+)$",
    re.IGNORECASE,
)
ACTUAL_BEFORE = re.compile(
    r"\b(?:i\s+get|i\s+got|we\s+get|gives?|returns?|currently|actual(?:ly)?|instead|outputs?|"
    r"prints?|shows?|produces?|happens)\b[^.\n]*:\s*$",
    re.IGNORECASE,
)
"""The line introducing the session ends with a colon ("what I get:"): a title such as "f()
gives the wrong value" above an expected session does not count."""
EXPECTED_BEFORE = re.compile(r"\b(?:should|expect\w*|want|correct|desired|ought)\b", re.IGNORECASE)

DOCTEST = """import doctest

session = {session!r}
test = doctest.DocTestParser().get_doctest(session, dict(globals()), "problem", None, 0)
flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | doctest.IGNORE_EXCEPTION_DETAIL
runner = doctest.DocTestRunner(optionflags=flags)
runner.run(test, out=lambda text: None, clear_globs=False)
assert runner.failures == 0, "the problem statement's session still fails"
"""


def extract(problem: str) -> list[str]:
    checks = []
    for before, examples in _sessions(problem):
        check = _actual(examples) if _shows_actual(before) else _expected(examples)
        if check and check not in checks:
            checks.append(check)
    return checks


def _sessions(problem: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(text before the session, [(source, output lines)]) for every session."""
    lines = _ipython_to_doctest(problem.splitlines())
    sessions: list[tuple[str, list[tuple[str, list[str]]]]] = []
    examples: list[tuple[str, list[str]]] | None = None
    for index, line in enumerate(lines):
        prompt = PROMPT.match(line)
        stripped = line.strip()
        if prompt and prompt.group(1) == ">>>":
            if examples is None:
                examples = []
                before = "\n".join(lines[max(0, index - 3) : index]).strip()
                sessions.append((before, examples))
            examples.append((stripped[4:], []))
        elif prompt and examples:
            source, output = examples[-1]
            examples[-1] = (source + "\n" + stripped[4:], output)
        elif examples and stripped and not stripped.startswith(("```", "~~~")):
            examples[-1][1].append(line.rstrip())
        else:
            examples = None
    return [(before, found) for before, found in sessions if found]


def _ipython_to_doctest(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if IPYTHON_IN.match(line):
            out.append(">>> " + IPYTHON_IN.sub("", line, count=1))
        elif IPYTHON_MORE.match(line) and out and PROMPT.match(out[-1]):
            out.append("... " + IPYTHON_MORE.sub("", line, count=1))
        elif IPYTHON_OUT.match(line):
            out.append(IPYTHON_OUT.sub("", line, count=1))
        else:
            out.append(line)
    return out


def _shows_actual(before: str) -> bool:
    last = before.splitlines()[-1] if before else ""
    return bool(ACTUAL_BEFORE.search(last)) and not EXPECTED_BEFORE.search(last)


def _indent(output: list[str]) -> int:
    return min((len(o) - len(o.lstrip()) for o in output if o.strip()), default=0)


def _expected(examples: list[tuple[str, list[str]]]) -> str | None:
    lines = []
    for source, output in examples:
        first, *more = source.split("\n")
        lines.append(">>> " + first)
        lines.extend("... " + m for m in more)
        width = _indent(output)
        corrected = [CORRECTION.search(out) for out in output]
        if any(c and not leading_value(c.group(1)) for c in corrected):
            lines[-1 - len(more)] = ">>> _ = " + first  # a correction in words: run, not compare
            continue
        for out, correction in zip(output, corrected, strict=True):
            lines.append(leading_value(correction.group(1)) if correction else out[width:])
    if not any(output for _, output in examples):
        return None
    return DOCTEST.format(session="\n".join(lines) + "\n")


def _actual(examples: list[tuple[str, list[str]]]) -> str | None:
    code = []
    asserted = False
    for source, output in examples:
        text = "\n".join(o.strip() for o in output)
        corrected = next((c for o in output if (c := CORRECTION.search(o))), None)
        wanted = leading_value(corrected.group(1)) if corrected else None
        if wanted and "\n" not in source:
            code.append(f"_expect(({source}), {wanted})")
            asserted = True
        elif text.startswith("Traceback") and "\n" not in source:
            raised = _exception(output)
            code.append(f"_expect_not_raises({raised!r}, lambda: exec({source!r}, globals()))")
            asserted = True
        elif "\n" not in source and leading_value(text):
            code.append(f"assert ({source}) != {leading_value(text)}, 'still the reported value'")
            asserted = True
        else:
            code.append(source)
    return "\n".join(code) + "\n" if asserted else None


def _exception(output: list[str]) -> str:
    """The exception class a traceback ends with."""
    last = output[-1].strip()
    return last.split(":", 1)[0].rsplit(".", 1)[-1].strip() or "Exception"
