"""The answer's side of a HumanEval check: load the completed `solution.py`, then compute
return values on request, nothing else.

`python3 -I -B -S humaneval_answer.py SOLUTION ENTRY_POINT` is started by the checker
(`humaneval_check.py`) in a fresh interpreter for every item. Requests and replies are JSON lines
on the process's original stdin/stdout; values inside them use the plain-data codec below, which
the checker decodes strictly. Kept small and stdlib-light: interpreter start-up is most of a
check's cost.
"""

from __future__ import annotations

import ast
import json
import math
import os
import sys
import traceback

VALUE_CAP = 4_000_000
"""Bytes of one encoded value (a reply longer than this fails its call)."""
NAMES = {"inf": math.inf, "nan": math.nan}


class Unsupported(ValueError):
    """A value that is not plain data (numbers, strings, bytes, None and containers of them)."""


def encode(value: object) -> str:
    if value is None or isinstance(value, bool | int | str | bytes):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, complex):
        return f"complex({encode(value.real)}, {encode(value.imag)})"
    if isinstance(value, list):
        return "[" + ", ".join(encode(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(encode(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(encode(v) for v in value) + "}" if value else "set()"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{encode(k)}: {encode(v)}" for k, v in value.items()) + "}"
    raise Unsupported(f"cannot pass a {type(value).__name__} across processes")


def decode(text: str) -> object:
    """The value `text` encodes; anything but plain data raises Unsupported."""
    if len(text) > VALUE_CAP:
        raise Unsupported("value too large")
    try:
        tree = ast.parse(text, mode="eval")
        return _value(tree.body)
    except (SyntaxError, RecursionError, MemoryError, ValueError, TypeError) as err:
        raise Unsupported(f"not a plain value: {type(err).__name__}") from None


def _value(node: ast.expr) -> object:
    if isinstance(node, ast.Constant) and not isinstance(node.value, type(Ellipsis)):
        return node.value
    if isinstance(node, ast.Name) and node.id in NAMES:
        return NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand)
        if isinstance(operand, bool) or not isinstance(operand, int | float | complex):
            raise Unsupported("sign on a non-number")
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.List):
        return [_value(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(e) for e in node.elts)
    if isinstance(node, ast.Set):
        return {_value(e) for e in node.elts}
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True)}  # type: ignore[arg-type]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id == "set" and not node.args:
            return set()
        if node.func.id == "complex" and len(node.args) == 2:
            real, imag = (_value(a) for a in node.args)
            if isinstance(real, float | int) and isinstance(imag, float | int):
                return complex(real, imag)
    raise Unsupported(f"{type(node).__name__} is not plain data")


def serve(solution: str, entry_point: str) -> int:
    """Load the answer, then answer calls until stdin closes. The protocol keeps its own copies
    of stdin/stdout; fds 0-2 then point elsewhere, so the answer's prints cannot corrupt it."""
    sys.set_int_max_str_digits(0)
    inbox = os.fdopen(os.dup(0), "r", encoding="utf-8", errors="replace")
    outbox = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)

    def send(record: dict) -> None:
        outbox.write(json.dumps(record) + "\n")
        outbox.flush()

    namespace: dict = {"__name__": "solution"}
    try:
        with open(solution, encoding="utf-8", errors="replace") as fh:
            exec(compile(fh.read(), "solution.py", "exec"), namespace)
        function = namespace[entry_point]
    except BaseException:  # a broken answer is a failed check, reported with its traceback
        send({"ready": False, "error": traceback.format_exc()[-1500:]})
        return 1
    send({"ready": True})
    for line in inbox:
        try:
            args, kwargs = decode(json.loads(line)["call"])
            result = function(*args, **kwargs)
            send({"value": encode(result)})
        except BaseException as err:  # the check decides what an exception means
            send({"raised": type(err).__name__, "message": str(err)[:500]})
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2]))
