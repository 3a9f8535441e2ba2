"""Evaluation integrity: cheats tried, caught and missed per benchmark kind, and what the control
run costs.

For every benchmark kind (built-in, SWE-bench JSONL, Polyglot, HumanEval) each cheat agent of
the battery (tests/integrity/agents, docs/integrity.md) runs on that kind's battery task and is
graded as the loop grades it: `caught` = not resolved (`tampered` = caught with evidence),
`missed` = resolved. Then the reference answer of the same task is graded `--repeats` times with
the control run and as many times without it, alternating, in this process against the same
engine and image, so the ratio is comparable even on a busy machine (absolute seconds are not).
Goal: control <= 1.5x one honest grading. HumanEval has no control run (its assertions run in
a trusted checker), so only its grading time is shown.

    .venv/bin/python bench/integrity.py [--repeats 5] [--kinds builtin,swebench,...] [--no-cheats]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # the battery lives in tests/integrity (not installed)

from godelbox.config import load_config  # noqa: E402
from godelbox.evaluator.benchmark import GradeItem  # noqa: E402
from godelbox.evaluator.context import EvalContext, context_from_config  # noqa: E402
from godelbox.evaluator.results import Solution  # noqa: E402
from godelbox.sandbox.select import backend_for  # noqa: E402
from tests.integrity.battery import (  # noqa: E402
    CHEATS,
    KINDS,
    LANG_CHEATS,
    LANG_KINDS,
    benchmark_for,
    grade_agent,
)


def cheat_counts(ctx: EvalContext, kind: str, scratch: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for cheat in (c for c in CHEATS + LANG_CHEATS if kind in c.expect):
        result = grade_agent(ctx, kind, cheat.name, scratch)
        counts["tried"] += 1
        counts["missed" if result.resolved else "caught"] += 1
        counts["tampered"] += result.tampered
        print(f"  {kind:<9} {cheat.name:<18} {result.outcome:<10} {result.reason[:90]}")
    return counts


def grading_seconds(ctx: EvalContext, kind: str, scratch: Path, repeats: int) -> dict[bool, list]:
    """Wall time of grading the reference answer, with and without the control run."""
    bench, task = benchmark_for(kind, ctx, scratch)
    workspace = scratch / f"pristine-{kind}"
    if not workspace.exists():
        task.materialize(workspace)
    item = GradeItem(task, workspace, Solution(patch=task.oracle_patch()))
    times: dict[bool, list] = {True: [], False: []}
    settings = (True, False) if hasattr(bench, "control") else (True,)
    for _ in range(repeats):
        for control in settings:
            if hasattr(bench, "control"):
                bench.control = control  # type: ignore[attr-defined]
            started = time.monotonic()
            [grade] = bench.grade(ctx, [item])
            times[control].append(time.monotonic() - started)
            if grade.outcome != "resolved":
                raise SystemExit(
                    f"{kind}: the reference answer got {grade.outcome}: {grade.reason}"
                )
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="Gradings per setting.")
    parser.add_argument("--kinds", default=",".join(KINDS + LANG_KINDS))
    parser.add_argument("--no-cheats", action="store_true", help="Only the timing.")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    config = load_config().config
    ctx = context_from_config(
        config, backend_for(config.sandbox), labels={"run": f"bench-{os.getpid()}"}
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="godelbox-bench-integrity-") as tmp:
        scratch = Path(tmp)
        for kind in kinds:
            counts = Counter() if args.no_cheats else cheat_counts(ctx, kind, scratch)
            times = grading_seconds(ctx, kind, scratch, args.repeats)
            rows.append((kind, counts, times))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{os.cpu_count()} cpus, load average {load}; medians of {args.repeats} gradings")
    print(f"{'kind':<10}{'tried':>6}{'caught':>7}{'tampered':>9}{'missed':>7}"
          f"{'control':>10}{'no control':>11}{'ratio':>7}")  # fmt: skip
    for kind, counts, times in rows:
        with_control = statistics.median(times[True])
        if times[False]:
            without = statistics.median(times[False])
            timing = f"{with_control:9.2f}s{without:10.2f}s{with_control / without:7.2f}"
        else:
            timing = f"{with_control:9.2f}s{'n/a':>11}{'n/a':>7}"
        print(
            f"{kind:<10}{counts['tried']:>6}{counts['caught']:>7}{counts['tampered']:>9}"
            f"{counts['missed']:>7}{timing}"
        )
    print("goal: missed = 0 for every kind; control ratio <= 1.5")


if __name__ == "__main__":
    main()
