"""Tests and their control twins in the five brace-language Polyglot tracks, found statically.

The grader needs, for each track, the test ids the test files declare (a pass must report every
one of them) and a control version of the files in which each test gets one certainly-executed
assertion inverted (docs/integrity.md): an honest answer fails every twin, a forged report
passes them. Both are computed on the host from the pristine test files, by a small scanner that
blanks strings and comments (so braces and keywords inside them count for nothing) and follows
brace nesting. A candidate assertion is a statement at the top level of the test's body (Go: also
of a `for` block or a `t.Run` closure there), before any `return`/`break`/`continue`, so a test
that passes has executed it; tests with no candidate are graded without a twin of their own.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from godelbox.evaluator.test_runner import Control, ControlSet


@dataclass(frozen=True)
class TestFunction:
    __test__ = False

    test_id: str
    body: tuple[int, int]
    """Offsets of the text between the body's braces."""
    controllable: bool = True
    """False for tests a control would misjudge (Rust `should_panic`)."""
    handle: str = "t"
    """Go: the name of the test's `*testing.T` parameter."""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str
    description: str


# -- scanning ------------------------------------------------------------------------------

_RUST_CHAR = re.compile(r"'(?:\\u\{[0-9a-fA-F]+\}|\\.|[^\\'\n])'")


def blank(text: str, lang: str) -> str:
    """`text` with the contents of strings, characters and comments replaced by spaces (same
    offsets), so structure can be read from what is left."""
    out = list(text)
    i, n = 0, len(text)

    def wipe(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        two = text[i : i + 2]
        if two == "//":
            j = text.find("\n", i)
            j = n if j < 0 else j
            wipe(i, j)
            i = j
        elif two == "/*":
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            wipe(i, j)
            i = j
        elif lang == "rust" and re.match(r'r#*"', text[i : i + 10]) and not _ident(text, i - 1):
            hashes = len(re.match(r"r(#*)", text[i:]).group(1))  # type: ignore[union-attr]
            close = '"' + "#" * hashes
            j = text.find(close, i + 2 + hashes)
            j = n if j < 0 else j + len(close)
            wipe(i + 1, j - 1)
            i = j
        elif c == '"' or (c == "`" and lang in ("go", "javascript")):
            j = _string_end(text, i, c, raw=(c == "`" and lang == "go"))
            wipe(i + 1, j - 1)
            i = j
        elif c == "'":
            if lang == "rust":
                m = _RUST_CHAR.match(text, i)
                j = m.end() if m else i + 1  # else a lifetime
            else:
                j = _string_end(text, i, "'", raw=False)
            wipe(i + 1, j - 1)
            i = max(j, i + 1)
        else:
            i += 1
    return "".join(out)


def _ident(text: str, i: int) -> bool:
    return i >= 0 and (text[i].isalnum() or text[i] == "_")


def _string_end(text: str, i: int, quote: str, *, raw: bool) -> int:
    j = i + 1
    while j < len(text):
        if text[j] == "\\" and not raw:
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        if text[j] == "\n" and quote != "`":
            return j
        j += 1
    return len(text)


def match_close(code: str, open_at: int) -> int:
    """Offset of the bracket closing the one at `open_at` (blanked text), or -1."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    stack = [pairs[code[open_at]]]
    for k in range(open_at + 1, len(code)):
        ch = code[k]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return k
    return -1


def top_level(code: str, start: int, end: int, *, lines: bool = False) -> list[int]:
    """Offsets in [start, end) that are at bracket depth 0 and begin a statement (`lines`: a
    line break ends a statement too, as in Go)."""
    starts, depth, fresh = [], 0, True
    for k in range(start, end):
        ch = code[k]
        if ch in "([{":
            if depth == 0 and fresh:
                starts.append(k)
            depth += 1
            fresh = False
        elif ch in ")]}":
            depth -= 1
            if depth == 0 and ch == "}":
                fresh = True
        elif depth == 0:
            if ch == ";" or (lines and ch == "\n"):
                fresh = True
            elif not ch.isspace():
                if fresh:
                    starts.append(k)
                fresh = False
    return starts


_EARLY = re.compile(r"\b(return|break|continue|goto)\b")


def _early_exit(code: str, start: int, end: int) -> bool:
    return bool(_EARLY.search(code, start, end))


# -- finding tests --------------------------------------------------------------------------

_GO_TEST = re.compile(r"^func\s+(Test\w*)\s*\(\s*(\w+)\s+\*testing\.T\s*\)\s*\{", re.M)
_RUST_TEST = re.compile(r"#\[test\]((?:\s*#\[[^\]]*\])*)\s*fn\s+(\w+)\s*\(\s*\)[^{;]*\{")
_RUST_CFG_MOD = re.compile(r"#\[cfg\b[^\]]*\]\s*(?:pub\s+)?mod\s+\w+\s*\{")
_JAVA_TEST = re.compile(
    r"@(?:Test|ParameterizedTest)\b(?:\([^)]*\))?((?:\s*@\w+(?:\([^)]*\))?)*)\s*"
    r"(?:public\s+|protected\s+|private\s+)?(?:static\s+)?void\s+(\w+)\s*\([^)]*\)\s*"
    r"(?:throws\s+[\w.,\s]+)?\{"
)
_CPP_TEST = re.compile(r'\bTEST_CASE\s*\(\s*"((?:\\.|[^"\\])*)"[^{]*?\)\s*\{')
_JS_TEST = re.compile(
    r"\b(?:test|it|xtest|xit)\s*\(\s*(['\"`])((?:\\.|(?!\1).)*?)\1\s*,\s*(?:async\s*)?"
    r"(?:\(\s*\)\s*=>|function\s*\(\s*\))\s*\{",
    re.S,
)


def find_tests(lang: str, text: str) -> list[TestFunction]:
    """Every test the file declares, with its report id and body."""
    code = blank(text, lang)
    found: list[TestFunction] = []
    if lang == "go":
        for m in _GO_TEST.finditer(code):
            found += _with_body(code, m.end() - 1, m.group(1), handle=m.group(2))
    elif lang == "rust":
        hidden = [
            (m.end() - 1, match_close(code, m.end() - 1)) for m in _RUST_CFG_MOD.finditer(code)
        ]
        for m in _RUST_TEST.finditer(code):
            attrs = text[m.start(1) : m.end(1)]
            if "cfg" in attrs or any(a <= m.start() <= b for a, b in hidden):
                continue  # compiled only with a feature the exercise does not enable
            found += _with_body(code, m.end() - 1, m.group(2), "should_panic" not in attrs)
    elif lang == "java":
        for m in _JAVA_TEST.finditer(code):
            found += _with_body(code, m.end() - 1, m.group(2))
    elif lang == "cpp":
        for m in _CPP_TEST.finditer(code):
            name = _unescape(text[m.start(1) : m.end(1)])
            found += _with_body(code, m.end() - 1, name)
    elif lang == "javascript":
        for m in _JS_TEST.finditer(code):
            raw = text[m.start(2) : m.end(2)]
            if m.group(1) == "`" and "${" in raw:
                continue  # a computed title: reported, but not known here
            found += _with_body(code, m.end() - 1, _unescape(raw))
    return found


def _with_body(
    code: str, brace: int, test_id: str, controllable: bool = True, handle: str = "t"
) -> list[TestFunction]:
    close = match_close(code, brace)
    if close < 0:
        return []
    return [TestFunction(test_id, (brace + 1, close), controllable, handle)]


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw)


# -- inverting one assertion ----------------------------------------------------------------


def _regions(lang: str, code: str, body: tuple[int, int]) -> list[tuple[int, int]]:
    """Where a candidate may sit: the body, and for Go the blocks of its top-level `for`
    loops and `t.Run` closures (Exercism's Go tests are table-driven), depth-first."""
    regions = [body]
    if lang != "go":
        return regions
    queue = [body]
    while queue:
        start, end = queue.pop(0)
        for at in top_level(code, start, end, lines=True):
            if _early_exit(code, start, at):
                break
            nested = _go_nested_block(code, at, end)
            if nested is not None:
                regions.append(nested)
                queue.append(nested)
    return regions


_GO_RUN = re.compile(r"t\.Run\s*\(")


def _go_nested_block(code: str, at: int, end: int) -> tuple[int, int] | None:
    if code.startswith("for ", at) or code.startswith("for\t", at):
        brace = code.find("{", at, end)
        close = match_close(code, brace) if brace >= 0 else -1
        return (brace + 1, close) if close > 0 else None
    m = _GO_RUN.match(code, at)
    if m:
        paren_close = match_close(code, m.end() - 1)
        func = code.find("func", m.end(), paren_close)
        brace = code.find("{", func, paren_close) if func >= 0 else -1
        close = match_close(code, brace) if brace >= 0 else -1
        return (brace + 1, close) if close > 0 else None
    return None


def candidates(lang: str, text: str, code: str, test: TestFunction) -> list[Edit]:
    """Inversions of assertions the test certainly executes when it passes."""
    edits: list[Edit] = []
    for start, end in _regions(lang, code, test.body):
        for at in top_level(code, start, end, lines=lang == "go"):
            if _early_exit(code, start, at):
                break
            edit = INVERTERS[lang](text, code, at, end)
            if edit is not None:
                edits.append(edit)
    return edits


_GO_FAIL = re.compile(r"\bt\.(Fatal|Fatalf|Error|Errorf|Fail|FailNow)\s*\(")


def _invert_go(text: str, code: str, at: int, end: int) -> Edit | None:
    """`if C { t.Fatalf(...) }` (no else) -> `if !(C) { ... }`: the guard did not fire in a
    passing run, so its negation fires in the twin."""
    if not re.match(r"if\s", code[at:]):
        return None
    brace = at + 2
    while brace < end:
        if code[brace] in "([":
            brace = match_close(code, brace)
            if brace < 0:
                return None
        elif code[brace] == "{":
            break
        brace += 1
    close = match_close(code, brace) if brace < end else -1
    if close < 0 or re.match(r"\s*else\b", code[close + 1 :]):
        return None
    if not any(_GO_FAIL.match(code, k) for k in top_level(code, brace + 1, close, lines=True)):
        return None
    cond_start = at + 2
    semi = _last_top_semicolon(code, cond_start, brace)
    if semi >= 0:
        cond_start = semi + 1
    raw = text[cond_start:brace]
    cond = raw.strip()
    lead = raw[: len(raw) - len(raw.lstrip())]
    line = text.count("\n", 0, at) + 1
    return Edit(
        cond_start,
        brace,
        f"{lead}!({cond}) ",
        f"line {line}: if {cond} -> if !({cond})",
    )


def _last_top_semicolon(code: str, start: int, end: int) -> int:
    depth, last = 0, -1
    for k in range(start, end):
        if code[k] in "([{":
            depth += 1
        elif code[k] in ")]}":
            depth -= 1
        elif code[k] == ";" and depth == 0:
            last = k
    return last


_RUST_SWAP = {"assert_eq!": "assert_ne!", "assert_ne!": "assert_eq!"}


def _invert_rust(text: str, code: str, at: int, end: int) -> Edit | None:
    m = re.match(r"(assert_eq!|assert_ne!|assert!)\s*\(", code[at:])
    if m is None:
        return None
    line = text.count("\n", 0, at) + 1
    name = m.group(1)
    if name in _RUST_SWAP:
        return Edit(
            at, at + len(name), _RUST_SWAP[name], f"line {line}: {name} -> {_RUST_SWAP[name]}"
        )
    open_at = at + m.end() - 1
    close = match_close(code, open_at)
    if close < 0:
        return None
    first_end = _first_arg_end(code, open_at + 1, close)
    arg = text[open_at + 1 : first_end]
    return Edit(
        open_at + 1,
        first_end,
        f"!({arg.strip()})",
        f"line {line}: assert!(x) -> assert!(!(x))",
    )


def _first_arg_end(code: str, start: int, end: int) -> int:
    depth = 0
    for k in range(start, end):
        if code[k] in "([{":
            depth += 1
        elif code[k] in ")]}":
            depth -= 1
        elif code[k] == "," and depth == 0:
            return k
    return end


_JS_EQUALITY = ("toEqual", "toStrictEqual", "toBe")


def _invert_javascript(text: str, code: str, at: int, end: int) -> Edit | None:
    """`expect(x).toEqual(10)` -> `.toEqual(11)`, `.toEqual(y)` -> `.toEqual([y])` (no value
    equals a structure holding itself); other matchers get `.not` (or lose it). Changing the
    expectation rather than the matcher's polarity matters here: the answer can reach jest's
    `expect` and make a matcher report a pass, which a `.not` twin would then report failed."""
    m = re.match(r"(?:await\s+)?expect\s*\(", code[at:])
    if m is None:
        return None
    close = match_close(code, at + m.end() - 1)
    if close < 0:
        return None
    chain = re.match(
        r"((?:\s*\.\s*(?:resolves|rejects))?)(\s*\.\s*not)?\s*\.\s*(\w+)\s*\(", code[close + 1 :]
    )
    if chain is None:
        return None
    line = text.count("\n", 0, at) + 1
    matcher = chain.group(3)
    open_at = close + chain.end()
    args_end = match_close(code, open_at)
    arg = text[open_at + 1 : args_end].strip() if args_end > 0 else ""
    if (
        matcher in _JS_EQUALITY
        and not chain.group(2)
        and arg
        and "," not in code[open_at + 1 : args_end]
    ):
        changed = changed_literal(arg)
        twin = changed if changed is not None else f"[{arg}]"
        return Edit(
            open_at + 1, args_end, twin, f"line {line}: .{matcher}({arg[:40]}) -> ({twin[:40]})"
        )
    if chain.group(2):
        start = close + 1 + chain.start(2)
        return Edit(
            start, close + 1 + chain.end(2), "", f"line {line}: .not.{matcher} -> .{matcher}"
        )
    where = close + 1 + chain.end(1)
    return Edit(where, where, ".not", f"line {line}: .{matcher} -> .not.{matcher}")


def changed_literal(arg: str) -> str | None:
    """A plain literal with another value of its kind (`10` -> `11`, `'go'` -> `'gp'`, `true`
    -> `false`), or None when `arg` is not one."""
    if re.fullmatch(r"-?\d{1,9}", arg):  # within every language's int
        return str(int(arg) + 1)
    if arg in ("true", "false"):
        return "false" if arg == "true" else "true"
    quoted = re.fullmatch(r"(['\"])([^'\"\\]*)\1", arg)
    if quoted:
        body = quoted.group(2)
        last = body[-1:] or "a"
        swap = "b" if last == "a" else "a"
        body = body[:-1] + swap if body else swap
        return f"{quoted.group(1)}{body}{quoted.group(1)}"
    return None


_ASSERTJ_SWAP = {
    "isEqualTo": "isNotEqualTo",
    "isNotEqualTo": "isEqualTo",
    "isTrue": "isFalse",
    "isFalse": "isTrue",
    "isNull": "isNotNull",
    "isNotNull": "isNull",
    "isEmpty": "isNotEmpty",
    "isNotEmpty": "isEmpty",
    "isZero": "isNotZero",
    "isNotZero": "isZero",
    "isSameAs": "isNotSameAs",
    "isCloseTo": "isNotCloseTo",
    "isInstanceOf": "isNotInstanceOf",
    "startsWith": "doesNotStartWith",
    "endsWith": "doesNotEndWith",
    "isEqualToIgnoringCase": "isNotEqualToIgnoringCase",
    "contains": "doesNotContain",
    "containsExactly": "doesNotContain",
    "containsExactlyInAnyOrder": "doesNotContain",
    "containsOnly": "doesNotContain",
}
"""A check that passed fails negated (`doesNotContain` with no values refuses to run)."""
_JUNIT_SWAP = {
    "assertEquals": "assertNotEquals",
    "assertNotEquals": "assertEquals",
    "assertTrue": "assertFalse",
    "assertFalse": "assertTrue",
    "assertNull": "assertNotNull",
    "assertNotNull": "assertNull",
}


def _invert_java(text: str, code: str, at: int, end: int) -> Edit | None:
    """JUnit `assertEquals` -> `assertNotEquals` (...), or the last AssertJ check of an
    `assertThat(x)` chain negated (`isEqualTo` -> `isNotEqualTo`, ...)."""
    line = text.count("\n", 0, at) + 1
    m = re.match(r"(?:Assertions\.)?(\w+)\s*\(", code[at:])
    if m is None:
        return None
    name = m.group(1)
    if name in _JUNIT_SWAP:
        start = at + m.start(1)
        return Edit(start, start + len(name), _JUNIT_SWAP[name], f"line {line}: {name} -> "
                    f"{_JUNIT_SWAP[name]}")  # fmt: skip
    if name != "assertThat":
        return None
    k = match_close(code, at + m.end() - 1)
    last: tuple[int, str] | None = None
    while k > 0:
        call = re.match(r"\s*\.\s*(\w+)\s*\(", code[k + 1 :])
        if call is None:
            break
        opened = k + call.end()
        closed = match_close(code, opened)
        if call.group(1) in _ASSERTJ_SWAP:
            last = (k + 1 + call.start(1), call.group(1), opened, closed)
        k = closed
    if last is None:
        return None
    start, word, opened, closed = last
    arg = text[opened + 1 : closed].strip() if closed > 0 else ""
    changed = changed_literal(arg) if word == "isEqualTo" else None
    if changed is not None:
        # A value, not the check's polarity: an answer's `equals` cannot satisfy both.
        return Edit(opened + 1, closed, changed, f"line {line}: isEqualTo({arg}) -> ({changed})")
    return Edit(start, start + len(word), _ASSERTJ_SWAP[word], f"line {line}: {word} -> "
                f"{_ASSERTJ_SWAP[word]}")  # fmt: skip


_CATCH_SWAP = {
    "REQUIRE": "REQUIRE_FALSE",
    "CHECK": "CHECK_FALSE",
    "REQUIRE_FALSE": "REQUIRE",
    "CHECK_FALSE": "CHECK",
    "REQUIRE_THROWS": "REQUIRE_NOTHROW",
    "CHECK_THROWS": "CHECK_NOTHROW",
    "REQUIRE_NOTHROW": "REQUIRE_THROWS",
    "CHECK_NOTHROW": "CHECK_THROWS",
}


def _invert_cpp(text: str, code: str, at: int, end: int) -> Edit | None:
    """Catch: `REQUIRE(x)` -> `REQUIRE_FALSE(x)`, `REQUIRE_THROWS_AS(e, T)` ->
    `REQUIRE_NOTHROW(e)`, `REQUIRE_THAT(x, m)` -> `REQUIRE_THAT(x, !m)`, ..."""
    m = re.match(r"(REQUIRE|CHECK)(_FALSE|_THROWS_AS|_THROWS|_NOTHROW|_THAT)?\s*\(", code[at:])
    if m is None:
        return None
    line = text.count("\n", 0, at) + 1
    macro = m.group(1) + (m.group(2) or "")
    open_at = at + m.end() - 1
    close = match_close(code, open_at)
    if close < 0:
        return None
    if macro in _CATCH_SWAP:
        swap = _CATCH_SWAP[macro]
        return Edit(at, at + len(macro), swap, f"line {line}: {macro} -> {swap}")
    first_end = _first_arg_end(code, open_at + 1, close)
    if first_end >= close:
        return None
    if m.group(2) == "_THROWS_AS":
        expr = text[open_at + 1 : first_end]
        swap = f"{m.group(1)}_NOTHROW"
        return Edit(at, close + 1, f"{swap}({expr})", f"line {line}: {macro} -> {swap}")
    matcher = text[first_end + 1 : close]
    return Edit(
        first_end + 1, close, f" !({matcher.strip()})", f"line {line}: {macro}(x, m) -> (x, !m)"
    )


INVERTERS: dict[str, Callable[[str, str, int, int], Edit | None]] = {
    "cpp": _invert_cpp,
    "go": _invert_go,
    "java": _invert_java,
    "javascript": _invert_javascript,
    "rust": _invert_rust,
}


def brace_controls(
    lang: str, files: Mapping[str, str], test_ids: Sequence[str], rng: random.Random
) -> ControlSet:
    """One inverted assertion for each listed test that has a candidate, chosen by `rng`. A
    test id declared twice (a name shared by two Rust modules) gets a twin in each place."""
    wanted = set(test_ids)
    out_files: dict[str, str] = {}
    controls: dict[str, Control] = {}
    for path in sorted(files):
        text = files[path]
        code = blank(text, lang)
        edits: list[Edit] = []
        for test in find_tests(lang, text):
            if test.test_id not in wanted or not test.controllable:
                continue
            options = candidates(lang, text, code, test)
            edit = rng.choice(options) if options else _failing_check(lang, text, test, rng)
            edits.append(edit)
            controls[test.test_id] = Control(test.test_id, f"{path} {edit.description}")
        if edits:
            out_files[path] = apply_edits(text, edits)
    return ControlSet(files=out_files, controls=controls)


def _failing_check(lang: str, text: str, test: TestFunction, rng: random.Random) -> Edit:
    """For a test with no assertion to invert (its checks sit in helpers or branches): a plain
    check that always fails, first in its body. Its twin then fails whatever the answer does,
    which is all a control needs; a wrong guess is impossible."""
    word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
    wrong = len(word) + rng.randint(1, 3)
    check = {
        "go": (
            f'if got := len("{word}"); got != {wrong} {{ {test.handle}.Fatalf("len = %d", got) }}'
        ),
        "rust": f'assert_eq!("{word}".len(), {wrong});',
        "java": (
            f'org.assertj.core.api.Assertions.assertThat("{word}".length()).isEqualTo({wrong});'
        ),
        "cpp": f'REQUIRE(std::string("{word}").size() == {wrong});',
        "javascript": f"expect('{word}'.length).toEqual({wrong});",
    }[lang]
    at = test.body[0]
    line = text.count("\n", 0, at) + 1
    return Edit(at, at, f"\n{check}\n", f"line {line}: a failing check first in the body")


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text
