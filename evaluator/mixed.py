"""Several benchmarks scored at once, with weights: `builtin:dev*0.5+miniwob:train*0.5`.

Each part keeps its own tasks, grader and unit of work (coding tasks are patched and graded,
web episodes are played in sessions); the mix lists them interleaved in proportion to the parts'
sizes, so every stage of a staged evaluation samples every part (each part's first task is
among the first tasks). A node's score is the weighted
mean of its parts' resolve rates (parts it attempted nothing of are left out of the mean); each
part is also reported on its own (`Score.parts`). Stage thresholds compare the plain resolve rate
over all tasks so far.

A weight defaults to 1; parts are separated by `+`, so a path inside a spec must not contain one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import Benchmark, GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Grade, TaskResult


class MixedSpecError(UserError):
    """A mixed benchmark spec that cannot be read."""


@dataclass(frozen=True)
class Part:
    spec: str
    weight: float
    bench: Benchmark


@dataclass(frozen=True)
class PartScore:
    spec: str
    weight: float
    resolved: int
    attempted: int

    @property
    def rate(self) -> float:
        return self.resolved / self.attempted if self.attempted else 0.0


@dataclass(frozen=True)
class Score:
    combined: float
    parts: tuple[PartScore, ...]


def parse_mix(spec: str) -> list[tuple[str, float]]:
    """`SPEC[*W]+SPEC[*W]...` -> [(spec, weight)]."""
    parts = []
    for raw in spec.split("+"):
        text = raw.strip()
        name, star, weight = text.rpartition("*")
        if not star:
            name, weight = text, "1"
        try:
            value = float(weight)
        except ValueError:
            raise MixedSpecError(
                f"bad weight {weight!r} in {spec!r}; write SPEC*WEIGHT, e.g. builtin:dev*0.5"
            ) from None
        if not name or value <= 0:
            raise MixedSpecError(
                f"{text!r} in {spec!r} needs a benchmark and a positive weight, e.g. "
                "builtin:dev*0.5+miniwob:train*0.5"
            )
        parts.append((name.strip(), value))
    specs = [name for name, _ in parts]
    if len(set(specs)) != len(specs):
        raise MixedSpecError(f"{spec!r} names a benchmark twice")
    return parts


def mixed_benchmark(spec: str, load: Callable[[str], Benchmark]) -> MixedBenchmark:
    return MixedBenchmark(tuple(Part(name, w, load(name)) for name, w in parse_mix(spec)))


def interleave(lists: Sequence[Sequence[Any]]) -> list[Any]:
    """Items of every list, each list spread evenly over the result (its i-th item lands at
    i/len of the way, so every list's first item comes first), ties broken by list order:
    deterministic and proportional."""
    keyed = [
        (i / len(items), which, item)
        for which, items in enumerate(lists)
        for i, item in enumerate(items)
    ]
    return [item for _, _, item in sorted(keyed, key=lambda k: (k[0], k[1]))]


@dataclass(frozen=True)
class MixedBenchmark:
    parts: tuple[Part, ...]
    name: str = "mix"
    batch_size: int = 1
    """One task per unit: units never mix parts (each part grades and plays its own way)."""

    @property
    def max_tries(self) -> int:
        return max(part.bench.max_tries for part in self.parts)

    def tasks(self) -> list[Task]:
        return interleave([part.bench.tasks() for part in self.parts])

    def part_of(self, task_id: str) -> Part:
        return self._owner[task_id]

    @cached_property
    def _owner(self) -> dict[str, Part]:
        return {task.task_id: part for part in self.parts for task in part.bench.tasks()}

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        return [self.part_of(item.task.task_id).bench.grade(ctx, [item])[0] for item in items]

    def retry_problem(self, task: Task, grade: Grade) -> str | None:
        return self.part_of(task.task_id).bench.retry_problem(task, grade)

    @property
    def players(self) -> Callable[..., Any] | None:
        """The mix's players when a part is played (the web), else None: a mix of coding
        benchmarks is evaluated as one, so its outcomes are cached like any benchmark's (with
        players, units bypass the evaluation cache)."""
        if not any(getattr(part.bench, "players", None) for part in self.parts):
            return None
        return self._players

    @contextlib.contextmanager
    def _players(
        self, ctx: EvalContext, solver: Any, workers: int
    ) -> Iterator[Callable[[list[str]], list[TaskResult]]]:
        """Units of played parts go to that part's players (opened on first use), the others
        through the coding evaluator with the part's own grader."""
        from godelbox.evaluator.evaluation import evaluate_tasks

        with contextlib.ExitStack() as stack:
            opened: dict[str, Callable[[list[str]], list[TaskResult]]] = {}
            tasks = {task.task_id: task for task in self.tasks()}

            def evaluate_unit(ids: list[str]) -> list[TaskResult]:
                part = self.part_of(ids[0])
                players = getattr(part.bench, "players", None)
                if players is None:
                    return evaluate_tasks(ctx, part.bench, [tasks[i] for i in ids], solver)
                if part.spec not in opened:
                    opened[part.spec] = stack.enter_context(players(ctx, solver, workers))
                return opened[part.spec](ids)

            yield evaluate_unit

    def score(self, results: Iterable[tuple[str, bool]]) -> Score:
        """From (task id, resolved) pairs, one per attempt (a task may have several)."""
        return mixed_score(
            [(part.spec, part.weight) for part in self.parts],
            [(self.part_of(tid).spec, ok) for tid, ok in results],
        )


def mixed_score(
    weights: Sequence[tuple[str, float]], outcomes: Iterable[tuple[str, bool]]
) -> Score:
    """The weighted score from (part spec, resolved) pairs, one per attempt; parts with no
    attempted task count in neither the numerator nor the weights."""
    outcomes = list(outcomes)
    parts = []
    for spec, weight in weights:
        mine = [ok for part, ok in outcomes if part == spec]
        parts.append(PartScore(spec, weight, sum(mine), len(mine)))
    tried = [p for p in parts if p.attempted]
    total = sum(p.weight for p in tried)
    combined = sum(p.weight * p.rate for p in tried) / total if total else 0.0
    return Score(combined, tuple(parts))


def bench_score(bench: Benchmark, spec: str, results: Iterable[tuple[str, bool]]) -> Score:
    """Any benchmark's score from (task id, resolved) pairs, one per attempt: a mix's weighted
    one, else the plain resolve rate as one part."""
    if isinstance(bench, MixedBenchmark):
        return bench.score(results)
    return mixed_score([(spec, 1.0)], [(spec, ok) for _, ok in results])
