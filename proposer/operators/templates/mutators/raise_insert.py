"""Raise where the code silently carries on: a guard at the top of the function that rejects a
bad argument, or a `return` turned into a `raise`. The exception type is taken from the problem
statement when it names one."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from edits import Edit, Site, function_body_start, parameters

EXCEPTION = re.compile(r"\b([A-Z][A-Za-z]*(?:Error|Exception))\b")
CONDITIONS = ["{p} < 0", "not {p}", "{p} is None", "{p} <= 0"]


def mutate(site: Site) -> Iterator[Edit]:
    func = site.function()
    if func is None:
        return
    kinds = _exceptions(site.problem)
    stmt = site.statement()
    if isinstance(stmt, ast.Return):
        for kind in kinds:
            yield Edit(
                f"return -> raise {kind} at line {site.line}",
                site.replace(stmt, f"raise {kind}('invalid argument')"),
            )
    first = function_body_start(func)
    top = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    if not top <= site.line <= first.lineno:
        return
    for param in parameters(func)[:3]:
        for condition in CONDITIONS:
            test = condition.format(p=param)
            for kind in kinds:
                yield Edit(
                    f"guard 'if {test}: raise {kind}' in {func.name}()",
                    site.insert_before_statement(
                        first, [f"if {test}:", f"    raise {kind}('invalid {param}')"]
                    ),
                )


def _exceptions(problem: str) -> list[str]:
    named = [m.group(1) for m in EXCEPTION.finditer(problem) if m.group(1) != "AssertionError"]
    return list(dict.fromkeys(named))[:2] or ["ValueError"]


EXAMPLE = (
    "def sqrt(x):\n    return x ** 0.5\n",
    1,
    "def sqrt(x):\n    if x < 0:\n        raise ValueError('invalid x')\n    return x ** 0.5\n",
)
