"""Insert a guard for empty input at the top of the function: `if not x: return <default>`,
the default chosen from the return annotation first."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from edits import Edit, Site, function_body_start, parameters

BY_ANNOTATION = {
    "list": "[]",
    "dict": "{}",
    "str": "''",
    "int": "0",
    "float": "0.0",
    "bool": "False",
}
DEFAULTS = ["None", "[]", "0", "''", "{}", "0.0", "False"]


def mutate(site: Site) -> Iterator[Edit]:
    func = site.function()
    if func is None:
        return
    first = function_body_start(func)
    top = min([func.lineno, *(d.lineno for d in func.decorator_list)])
    if not top <= site.line <= first.lineno:
        return
    for param in parameters(func)[:2]:
        for default in _defaults(func, param):
            yield Edit(
                f"empty guard 'if not {param}: return {default}' in {func.name}()",
                site.insert_before_statement(first, [f"if not {param}:", f"    return {default}"]),
            )


def _defaults(func: ast.FunctionDef | ast.AsyncFunctionDef, param: str) -> list[str]:
    preferred = []
    if func.returns is not None:
        head = ast.unparse(func.returns).split("[")[0].split(".")[-1].split(" ")[0]
        if head in BY_ANNOTATION:
            preferred.append(BY_ANNOTATION[head])
        if "None" in ast.unparse(func.returns):
            preferred.append("None")
    return list(dict.fromkeys([*preferred, *DEFAULTS, param]))


EXAMPLE = (
    "def average(xs: list[float]) -> float:\n    return sum(xs) / len(xs)\n",
    1,
    "def average(xs: list[float]) -> float:\n    if not xs:\n        return 0.0\n"
    "    return sum(xs) / len(xs)\n",
)
