"""Seeded-mutant tasks: new bugs made by mutation operators in the *fixed* built-in programs.

`mutants:SPLIT[#N]` takes the built-in tasks of SPLIT (`seen`, `dev`, ...), applies each one's
gold patch and hidden tests (so the program is correct and its whole test suite passes), and
injects one fault with a mutation operator from the mutation-testing literature: the sufficient
set of Offutt et al. (1996), less ABS (absolute-value insertion, which rarely yields a one-token
bug):

- AOR, arithmetic operator replacement: `a + b` -> `a - b` (any of `+ - * / // % **`);
- ROR, relational operator replacement: `a < b` -> `a <= b` (any of `< <= > >= == !=`);
- LCR, logical connector replacement: `a and b` -> `a or b`;
- UOI, unary operator insertion: a branch or loop condition `c` -> `not c` (and `not c` -> `c`).

A mutant becomes a task only when the suite kills it (some test fails) within TIMEOUT_S; an
equivalent mutant would be resolved by doing nothing, a looping one would cost every child a
grading timeout. The task is a bug report with a failing test: the repository holds the whole
test suite (the failing tests are named in the issue) and the hidden tests are a copy of each
failing test file, so what the agent edits in its own copy changes nothing in the grade.

Why this exists: a search selected on a fixed set of bug classes rewards only the capabilities
those classes need (docs/offline.md). Mutants of the same programs add every operator family at
once, drawn by a generic rule rather than chosen per class, so evolution is rewarded for broad
repair capability while the measured splits (`builtin:unseen`, QuixBugs) stay unseen: no mutant
is made from an unseen task.

Making the tasks runs each candidate mutant's tests with the host's pytest. That code is the
built-in suite's own, mutated here, never an agent's; other benchmarks are not accepted as a base
for that reason. The result is cached by content (`~/.cache/godelbox/mutants/`), so only the
first load of a given suite and count pays for it (about a second per mutant).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from godelbox import python_ast
from godelbox.errors import UserError
from godelbox.evaluator import builtin
from godelbox.evaluator.patching import file_diff, is_test_path, touched_paths
from godelbox.evaluator.pytest_report import declared_tests
from godelbox.evaluator.swebench import SWEBenchmark, SWEBenchTask, materialize_files
from godelbox.evaluator.swebench_format import SWEInstance
from godelbox.evaluator.workspace import git_env, write_files
from godelbox.paths import user_cache_dir

GENERATOR_VERSION = 1
"""Part of the cache key: bump it when the mutants a given suite yields change."""
DEFAULT_COUNT = 16
TIMEOUT_S = 30.0
TRIES_PER_TASK = 8
"""Candidate mutants tried per base task before moving on to the next task."""
OPERATORS = ("AOR", "ROR", "LCR", "UOI")
ARITHMETIC = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
}
RELATIONAL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
LOGICAL = {ast.And: "and", ast.Or: "or"}
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.MULTILINE)


class MutantSpecError(UserError):
    """A `mutants:` spec that cannot be read or made into tasks."""


@dataclass(frozen=True)
class Mutant:
    """One edit of one file: `text[start:end]` becomes `replacement`."""

    path: str
    operator: str
    line: int
    start: int
    end: int
    replacement: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]


def mutants_benchmark(arg: str) -> SWEBenchmark:
    """`SPLIT[#N]`: N mutant tasks (default DEFAULT_COUNT) of the built-in split SPLIT."""
    split, _, count_text = arg.partition("#")
    if not split:
        raise MutantSpecError("mutants: name a built-in split, e.g. mutants:seen#16")
    try:
        count = int(count_text) if count_text else DEFAULT_COUNT
    except ValueError:
        raise MutantSpecError(f"mutants:{arg}: the count after # must be a number") from None
    if count < 1:
        raise MutantSpecError(f"mutants:{arg}: ask for at least one mutant")
    instances = load_mutants(builtin.load_builtin(split), count)  # type: ignore[arg-type]
    tasks = [SWEBenchTask(inst, materializer=materialize_files) for inst in instances]
    return SWEBenchmark(name=f"mutants:{arg}", task_list=tasks)


def load_mutants(
    bases: list[SWEInstance], count: int, cache: Path | None = None
) -> list[SWEInstance]:
    """`count` mutant tasks of `bases` (fewer when the bases run out of killed mutants), from
    the cache when the same bases and count were made before."""
    if not bases:
        raise MutantSpecError("mutants: the base split has no tasks")
    path = (cache or cache_dir()) / f"{_key(bases, count)}.json"
    if path.is_file():
        return [SWEInstance.from_dict(row) for row in json.loads(path.read_text(encoding="utf-8"))]
    made = make_mutants(bases, count)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Several processes may make the same mutants at once (test workers, daemons): each writes
    # its own file, and the rename makes whichever finishes last the cached copy, whole.
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps([dataclasses.asdict(inst) for inst in made]), encoding="utf-8")
    partial.replace(path)
    return made


def cache_dir() -> Path:
    return user_cache_dir("mutants")


def make_mutants(bases: list[SWEInstance], count: int) -> list[SWEInstance]:
    """Operators take turns (AOR, ROR, LCR, UOI, AOR, ...); each turn takes the first base, in
    a fixed shuffled order, not used yet that yields a killed mutant of that operator. An
    operator no unused base yields drops out, so the count may fall short of `count`."""
    _require_pytest()
    order = sorted(bases, key=lambda inst: inst.instance_id)
    random.Random("godelbox mutants").shuffle(order)
    made: list[SWEInstance] = []
    turns = list(OPERATORS)
    with tempfile.TemporaryDirectory(prefix="godelbox-mutants-") as tmp:
        fixed = {b.instance_id: fixed_files(b, Path(tmp) / b.instance_id) for b in order}
        while turns and len(made) < count:
            operator = turns.pop(0)
            used = {inst.metadata["base"] for inst in made}
            for base in order:
                if base.instance_id in used:
                    continue
                task = _first_killed(base, fixed[base.instance_id], operator, Path(tmp))
                if task is not None:
                    made.append(task)
                    turns.append(operator)
                    break
    return made


def fixed_files(base: SWEInstance, dest: Path) -> dict[str, str]:
    """The base task's repository with its gold patch and hidden tests applied, as text."""
    builtin.materialize(base, dest)
    for patch in (base.patch, base.test_patch):
        done = subprocess.run(
            ["git", "apply", "-"],
            input=patch,
            text=True,
            cwd=dest,
            env=git_env(),
            capture_output=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise MutantSpecError(f"{base.instance_id}: its patches do not apply: {done.stderr}")
    return {
        path.relative_to(dest).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(dest.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(dest).parts
    }


def candidates(path: str, text: str) -> Iterator[Mutant]:
    """Every mutant of `text` the operators allow, in source order."""
    tree = python_ast.parse(text)
    offsets = _line_offsets(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            yield from _swaps(
                path, "AOR", text, offsets, node.left, node.right, node.op, ARITHMETIC
            )
        elif (
            isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in RELATIONAL
        ):
            yield from _swaps(
                path, "ROR", text, offsets, node.left, node.comparators[0], node.ops[0], RELATIONAL
            )
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            yield from _swaps(path, "LCR", text, offsets, *node.values, node.op, LOGICAL)
        elif isinstance(node, ast.If | ast.While | ast.IfExp):
            yield from _negations(path, text, offsets, node.test)


def _swaps(
    path: str,
    operator: str,
    text: str,
    offsets: list[int],
    left: ast.expr,
    right: ast.expr,
    op: ast.AST,
    table: dict[type, str],
) -> Iterator[Mutant]:
    """The operator's token lies between its operands, alone but for spaces and brackets."""
    gap_start = _offset(text, offsets, left.end_lineno, left.end_col_offset)
    gap_end = _offset(text, offsets, right.lineno, right.col_offset)
    gap = text[gap_start:gap_end]
    symbol = table[type(op)]
    if gap.strip(" ()\t\n\\") != symbol:
        return
    start = gap_start + gap.index(symbol)
    line = text.count("\n", 0, start) + 1
    for other in table.values():
        if other != symbol:
            yield Mutant(path, operator, line, start, start + len(symbol), other)


def _negations(path: str, text: str, offsets: list[int], test: ast.expr) -> Iterator[Mutant]:
    start = _offset(text, offsets, test.lineno, test.col_offset)
    end = _offset(text, offsets, test.end_lineno, test.end_col_offset)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _offset(text, offsets, test.operand.lineno, test.operand.col_offset)
        yield Mutant(path, "UOI", test.lineno, start, inner, "")
        return
    if test.lineno != test.end_lineno:
        return
    source = text[start:end]
    atom = isinstance(test, ast.Name | ast.Attribute | ast.Call | ast.Subscript | ast.Constant)
    yield Mutant(
        path, "UOI", test.lineno, start, end, f"not {source}" if atom else f"not ({source})"
    )


def _first_killed(
    base: SWEInstance, files: dict[str, str], operator: str, tmp: Path
) -> SWEInstance | None:
    """The first of up to TRIES_PER_TASK mutants of `operator` (in a shuffled order fixed per
    base) that the base's suite kills, in the files its gold patch fixed."""
    sources = sorted(
        p for p in touched_paths(base.patch) if p.endswith(".py") and not is_test_path(p)
    )
    pool = [m for p in sources for m in candidates(p, files[p]) if m.operator == operator]
    random.Random(f"godelbox mutants {base.instance_id}").shuffle(pool)
    for mutant in pool[:TRIES_PER_TASK]:
        mutated = dict(files, **{mutant.path: mutant.apply(files[mutant.path])})
        failing = run_tests(mutated, tmp / "try")
        if failing:
            return _task(base, files, mutated, mutant, failing)
    return None


def run_tests(files: dict[str, str], dest: Path) -> list[str] | None:
    """The node ids that fail when the repository `files` runs its tests; None when the run
    does not finish within TIMEOUT_S or pytest itself fails (no mutant to keep either way)."""
    write_files(files, dest)
    argv = [sys.executable, "-m", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen(
        argv,
        cwd=dest,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    if proc.returncode not in (0, 1):
        return None
    return list(dict.fromkeys(m.group(1) for m in _FAILED.finditer(out)))


def _task(
    base: SWEInstance,
    fixed: dict[str, str],
    mutated: dict[str, str],
    mutant: Mutant,
    failing: list[str],
) -> SWEInstance:
    failing_names = list(dict.fromkeys(test_id.split("[", 1)[0] for test_id in failing))
    test_files = list(dict.fromkeys(test_id.split("::", 1)[0] for test_id in failing_names))
    hidden = {path: path.removesuffix(".py") + "_hidden.py" for path in test_files}
    fail_to_pass = [hidden[t.split("::", 1)[0]] + "::" + t.split("::", 1)[1] for t in failing_names]
    declared = [i for path in test_files for i in declared_tests(hidden[path], fixed[path])]
    name = base.instance_id.removeprefix("builtin__")
    return SWEInstance(
        instance_id=f"mutant__{name}__{mutant.operator.lower()}-{mutant.line}",
        repo=base.repo,
        base_commit="",
        problem_statement=_problem(failing_names),
        patch=file_diff(mutant.path, mutated[mutant.path], fixed[mutant.path]),
        test_patch="".join(file_diff(hidden[p], "", fixed[p]) for p in test_files),
        FAIL_TO_PASS=fail_to_pass,
        PASS_TO_PASS=[i for i in declared if i not in fail_to_pass],
        split="mutants",
        metadata={
            "files": mutated,
            "base": base.instance_id,
            "operator": mutant.operator,
            "bug_class": f"mutant_{mutant.operator.lower()}",
        },
    )


def _problem(failing: list[str]) -> str:
    listed = "\n".join(f"- `{test_id}`" for test_id in failing)
    return (
        f"`{failing[0].split('::')[-1]}` fails\n\n"
        f"These tests of the repository fail, and they passed before a recent change:\n\n"
        f"{listed}\n\nFix the code so that they pass again; the tests are right.\n"
    )


def _require_pytest() -> None:
    try:
        import pytest  # noqa: F401
    except ImportError:
        raise MutantSpecError(
            "making mutant tasks runs the built-in suite's tests with pytest, which is not "
            "installed here; install godelbox with its dev extra (pip install 'godelbox[dev]')"
        ) from None


def _key(bases: list[SWEInstance], count: int) -> str:
    digest = hashlib.sha256(f"{GENERATOR_VERSION}:{count}".encode())
    for inst in sorted(bases, key=lambda i: i.instance_id):
        for part in (inst.instance_id, inst.base_commit, inst.patch, inst.test_patch):
            digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:16]


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for line in text.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    return offsets


def _offset(text: str, offsets: list[int], lineno: int | None, col: int | None) -> int:
    """A character offset from ast's line number and UTF-8 byte column."""
    start = offsets[(lineno or 1) - 1]
    line = text[start : offsets[lineno or 1] if (lineno or 1) < len(offsets) else len(text)]
    return start + len(line.encode("utf-8")[: col or 0].decode("utf-8", errors="ignore"))
