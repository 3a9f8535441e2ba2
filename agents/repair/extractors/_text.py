"""Reading problem statements: code blocks, inline code, expected values (shared by extractors)."""

from __future__ import annotations

import ast
import re

FENCE = re.compile(
    r"^[ \t]*(```|~~~)[ \t]*([\w+-]*)[^\n]*\n(.*?)^[ \t]*\1", re.MULTILINE | re.DOTALL
)
PYTHON_TAGS = {"", "python", "python3", "py", "pycon", "pytb", "console", "text", "shell"}
INLINE = re.compile(r"`([^`\n]+)`")
LITERAL_START = re.compile(
    r"""\s*(?:(?P<q>["'])(?:(?!(?P=q)).)*(?P=q)|-?\d[\d_]*(?:\.\d+)?(?:[eE]-?\d+)?|True\b|False\b|None\b)"""
)


def code_blocks(problem: str) -> list[str]:
    """Fenced blocks that may hold Python (tagged python, or untagged), then indented blocks."""
    blocks = [m.group(3) for m in FENCE.finditer(problem) if m.group(2).lower() in PYTHON_TAGS]
    unfenced = FENCE.sub("", problem)
    current: list[str] = []
    for line in [*unfenced.splitlines(), ""]:
        if line.startswith(("    ", "\t")) and line.strip():
            current.append(line)
            continue
        if current and line.strip() == "":
            blocks.append(_dedent(current))
        current = []
    return blocks


def _dedent(lines: list[str]) -> str:
    width = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    return "".join(line[width:] + "\n" for line in lines)


def expression(text: str) -> str | None:
    """`text` stripped, when it is one Python expression."""
    text = text.strip()
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    return text


def value(text: str) -> str | None:
    """`text` when it reads as a value: a literal, or a call or attribute such as
    `Fraction(1, 2)` or `Color.RED` (not `a-b`, which is prose more often than a subtraction)."""
    text = text.strip()
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if not isinstance(node, ast.Call | ast.Attribute):
            return None
    return text


def leading_value(text: str) -> str | None:
    """The expected value that `text` starts with: a `code span`, a bracketed literal, a quoted
    string, a number or True/False/None (trailing prose and punctuation left out)."""
    stripped = text.lstrip(" \t:")
    if stripped.startswith("`"):
        match = INLINE.match(stripped)
        return expression(match.group(1)) if match else None
    if stripped[:1] in "[({":
        closing = _balanced(stripped)
        return value(stripped[:closing]) if closing else None
    match = LITERAL_START.match(stripped)
    return value(match.group(0)) if match else None


def _balanced(text: str) -> int:
    """Length of the bracketed prefix of `text` (0 when it does not close on this line)."""
    depth = 0
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "\n":
            return 0
    return 0


def calls_with_values(source: str) -> bool:
    """An expression worth evaluating as a check: it calls something and passes it a value (a
    bare `name()` in prose usually just names the function)."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return False
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    literals = [n for n in ast.walk(tree) if isinstance(n, ast.Constant | ast.List | ast.Dict)]
    return bool(calls) and bool(literals)
