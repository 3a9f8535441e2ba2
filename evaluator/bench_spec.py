"""Benchmark specs as the CLI and the config spell them: `builtin:dev`, `polyglot:PATH`, ...

builtin:dev | builtin:heldout | builtin:all   the built-in suite (SWE-bench format)
builtin:seen | builtin:unseen                 the same suite split by bug class
quixbugs:PATH                                 a QuixBugs checkout (its 40 Python programs)
mutants:SPLIT[#N]                             N tasks made by mutating the built-in split's fixed
                                              programs (see evaluator/mutants.py)
swebench:FILE                                 a JSONL of SWE-bench instances
polyglot:PATH[#SEL]                           an Aider Polyglot checkout: every track, or
                                              #go,rust (tracks) or #dgm-small / #dgm-medium
humaneval                                     the 164 HumanEval problems
miniwob:TASKS                                 MiniWoB++ web tasks/subsets (train, test, basic,
                                              all, or task names), `web.repeats` seeds each
SPEC*W+SPEC*W                                 several at once, weighted (see evaluator/mixed.py)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Benchmark
from godelbox.evaluator.context import EvalContext

if TYPE_CHECKING:
    from godelbox.evaluator.web.miniwob import MiniWoBBenchmark

SPECS = (
    "builtin:dev, builtin:heldout, builtin:all, builtin:seen, builtin:unseen, swebench:FILE, "
    "polyglot:PATH[#go,rust], quixbugs:PATH, mutants:SPLIT[#N], humaneval, "
    "miniwob:TASKS (web, e.g. miniwob:train or miniwob:click-button,enter-text), "
    "or several weighted: builtin:dev*0.5+miniwob:train*0.5"
)


class UnknownBenchmarkError(UserError):
    """The benchmark spec names no known benchmark."""


def load_benchmark(spec: str, ctx: EvalContext | None = None) -> Benchmark:
    if "+" in spec:
        from godelbox.evaluator.mixed import mixed_benchmark

        return mixed_benchmark(spec, lambda part: load_benchmark(part, ctx))
    kind, _, arg = spec.partition(":")
    if kind == "builtin":
        from godelbox.evaluator.swebench import builtin_benchmark

        return builtin_benchmark(arg or "dev")
    if kind == "swebench" and arg:
        from godelbox.evaluator.swebench import swebench_benchmark

        return swebench_benchmark(Path(arg), ctx)
    if kind == "polyglot" and arg:
        from godelbox.evaluator.polyglot import polyglot_benchmark

        path, _, select = arg.partition("#")
        return polyglot_benchmark(Path(path), tries=ctx.tries if ctx else 2, select=select)
    if kind == "quixbugs" and arg:
        from godelbox.evaluator.quixbugs import quixbugs_benchmark

        return quixbugs_benchmark(Path(arg))
    if kind == "mutants":
        from godelbox.evaluator.mutants import mutants_benchmark

        return mutants_benchmark(arg)
    if kind == "humaneval" and not arg:
        from godelbox.evaluator.humaneval import humaneval_benchmark

        return humaneval_benchmark()
    if kind == "miniwob":
        if ctx is None:
            return load_web_benchmark(spec)
        bench = load_web_benchmark(spec, ctx.web_seeds)
        return replace(bench, settings=ctx.web)
    raise UnknownBenchmarkError(f"unknown benchmark {spec!r}; use one of: {SPECS}")


def load_web_benchmark(spec: str, seeds: Sequence[int] = (0,)) -> MiniWoBBenchmark:
    """`miniwob:TASKS`: comma-separated MiniWoB++ task and subset names, each played per seed."""
    from godelbox.evaluator.web.miniwob import miniwob_benchmark

    kind, _, arg = spec.partition(":")
    if kind != "miniwob" or not arg:
        raise UnknownBenchmarkError(
            f"unknown web benchmark {spec!r}; use miniwob:TASKS, e.g. miniwob:basic"
        )
    return miniwob_benchmark(arg, seeds)


def is_web(spec: str) -> bool:
    """Whether any part of `spec` is a web benchmark."""
    return any(part.strip().startswith("miniwob:") for part in spec.split("+"))


def is_coding(spec: str) -> bool:
    """Whether any part of `spec` is a coding benchmark."""
    return any(not part.strip().startswith("miniwob:") for part in spec.split("+"))
