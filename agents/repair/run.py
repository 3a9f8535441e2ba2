"""The LLM-free repair agent: reproduce, localise, mutate, validate, write the fix.

Failing checks come from the problem statement (code with asserts or `# expected` comments,
sessions, tracebacks, prose with values) and from the repository's own visible tests that fail;
lines are ranked by how much more the failing tests run them than the passing ones; a candidate
edit is kept only when every failing check and test passes and no visible test breaks.

Usage (the evaluator's agent contract):
    python3 run.py --workspace REPO --problem PROBLEM.md --log-dir LOGS
Environment: GODELBOX_TIME_BUDGET_S (seconds; a safety net, the search is budgeted in candidates).
Writes the fix into REPO (only the fixed source file changes), a readable LOGS/agent.log and a
LOGS/repair.json summary. Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import config
import localise
import repro
import search
import testrun
import workspace


class Log:
    """agent.log, written line by line so a killed run still leaves a readable log."""

    def __init__(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self._file = open(log_dir / "agent.log", "a", encoding="utf-8")  # noqa: SIM115
        self.summary: dict[str, object] = {"outcome": "started"}
        self._summary_path = log_dir / "repair.json"

    def __call__(self, message: str) -> None:
        self._file.write(message + "\n")
        self._file.flush()

    def finish(self, outcome: str, **fields: object) -> None:
        self.summary.update(outcome=outcome, **fields)
        self(f"outcome: {outcome}")
        self._summary_path.write_text(json.dumps(self.summary, indent=2), encoding="utf-8")
        self._file.close()


def repair(repo: Path, problem: str, scratch: Path, deadline: float, log: Log) -> None:
    log(f"config: formula={config.FORMULA} mutators={config.MUTATORS}")
    log(f"config: sources={config.REPRO_SOURCES} order={config.SEARCH_ORDER}")
    log(f"config: prechecks={config.PRECHECKS} top_lines={config.TOP_LINES}")
    log(f"config: candidates_per_mutator={config.CANDIDATES_PER_MUTATOR} budget={search.budget()}")
    checks = repro.extract(problem, config.REPRO_SOURCES)
    log(f"reproduction: {len(checks)} check(s) extracted from the problem statement")
    copy = workspace.scratch_copy(repo, scratch / "repo")
    script = repro.write(checks, scratch) if checks else None
    targets = ([str(script)] if script else []) + [str(copy)]
    baseline = testrun.run_suite(
        copy,
        targets,
        trace=True,
        timeout_s=config.TESTS_TIMEOUT_S,
        test_timeout_s=config.TEST_TIMEOUT_S,
    )
    if baseline.timed_out:
        log(f"baseline: the tests took longer than {config.TESTS_TIMEOUT_S:g}s")
    failing = [t for t in baseline.failing() if not t.startswith("<collect>")]
    reproducing = [t for t in failing if testrun.REPRO_MARK in t]
    visible = [t for t in baseline.passing() if testrun.REPRO_MARK not in t]
    visible_failing = [t for t in failing if testrun.REPRO_MARK not in t]
    log(
        f"baseline: {len(reproducing)} failing check(s), {len(visible_failing)} failing and "
        f"{len(visible)} passing visible test(s)"
    )
    for test in failing:
        log(f"  failing: {test}")
    if not failing:
        return log.finish("not_reproduced" if checks else "no_reproduction", checks=len(checks))
    suspects = localise.rank(
        baseline.lines, failing, visible, workspace.source_files(copy), config.FORMULA
    )
    log(f"localisation ({config.FORMULA}): {len(suspects)} suspicious line(s); top:")
    for s in suspects[: config.TOP_LINES]:
        operators = ",".join(search.operators_at(copy, s)) or "-"
        log(f"  {s.path}:{s.line} score={s.score:.3f} operators={operators}")
    if not suspects:
        return log.finish("no_suspects", checks=len(checks), failing=failing)
    oracle = search.Oracle(
        copy, script, [repro.index_of(t) for t in reproducing], visible + visible_failing
    )
    fix = search.search(suspects, oracle, problem, deadline, log)
    if fix is None:
        return log.finish("no_fix", checks=len(checks), failing=failing, suspects=len(suspects))
    workspace.write_fix(repo, fix.path, fix.source)
    log(f"fix written to {fix.path}: {fix.description}")
    log.finish("fixed", path=fix.path, fix=fix.description, tried=fix.tried, failing=failing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--problem", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    budget = float(os.environ.get("GODELBOX_TIME_BUDGET_S", "600"))
    deadline = time.monotonic() + budget * config.TIME_SAFETY
    log = Log(args.log_dir)
    problem = args.problem.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="repair-") as scratch:
        repair(args.workspace.resolve(), problem, Path(scratch), deadline, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
