"""Candidate generation and validation: mutate suspicious lines, keep the first edit that makes
every reproduction check pass without breaking a visible test that passed before."""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import config
import mutators
import prechecks
import testrun
from edits import Edit, Site
from localise import Suspect


@dataclass(frozen=True)
class Fix:
    path: str
    source: str
    description: str
    tried: int


@dataclass(frozen=True)
class Oracle:
    """What a candidate must satisfy, in the scratch copy of the repository: every reproduction
    check that failed passes, and every visible test passes (those that failed too: the bug's,
    and those that passed: no regressions)."""

    repo: Path
    repro_script: Path | None
    checks: list[int]
    """Indexes of the reproduction checks that failed on the original code."""
    must_pass: list[str]
    """Visible test ids."""


def candidates(suspects: list[Suspect], repo: Path, problem: str) -> Iterator[tuple[str, Edit]]:
    """(file, edit) pairs in the configured order over the top suspicious lines."""
    sites = []
    for suspect in suspects[: config.TOP_LINES]:
        source = (repo / suspect.path).read_text(encoding="utf-8")
        tree = ast.parse(source)
        sites.append(Site(suspect.path, source, tree, suspect.line, problem))
    operators = [mutators.load(name) for name in config.MUTATORS]
    if config.SEARCH_ORDER == "by_suspiciousness":
        pairs = [(site, op) for site in sites for op in operators]
    else:
        pairs = [(site, op) for op in operators for site in sites]
    streams = [_edits(site, op) for site, op in pairs]
    if config.SEARCH_ORDER == "by_rank":
        yield from _round_robin(streams)
    else:
        for stream in streams:
            yield from stream


def _edits(site: Site, operator: ModuleType) -> Iterator[tuple[str, Edit]]:
    for edit in operator.mutate(site):
        yield site.path, edit


def _round_robin(streams: list[Iterator[tuple[str, Edit]]]) -> Iterator[tuple[str, Edit]]:
    """The first edit of every stream, then the second of each, ...: a line whose operator has
    many alternatives (an arithmetic operator has eleven) cannot spend the whole budget."""
    live = list(streams)
    while live:
        still = []
        for stream in live:
            edit = next(stream, None)
            if edit is not None:
                yield edit
                still.append(stream)
        live = still


def operators_at(repo: Path, suspect: Suspect) -> list[str]:
    """The operators on a suspicious line (see Site.operators), for the log."""
    source = (repo / suspect.path).read_text(encoding="utf-8")
    return Site(suspect.path, source, ast.parse(source), suspect.line).operators()


def search(
    suspects: list[Suspect],
    oracle: Oracle,
    problem: str,
    deadline: float,
    log: Callable[[str], None],
) -> Fix | None:
    checks = [prechecks.CHECKS[name] for name in config.PRECHECKS]
    seen: set[str] = set()
    tried = 0
    limit = budget()
    for path, edit in candidates(suspects, oracle.repo, problem):
        if tried >= limit:
            log(f"candidate budget of {limit} spent")
            return None
        if time.monotonic() > deadline:
            log("time budget spent; stopping the search")
            return None
        original = (oracle.repo / path).read_text(encoding="utf-8")
        if not all(check(original, edit.source, seen) for check in checks):
            continue
        seen.add(edit.source)
        tried += 1
        verdict = validate(path, edit.source, original, oracle)
        log(f"candidate {tried}: {path}: {edit.description}: {verdict}")
        if verdict == "passes":
            return Fix(path, edit.source, edit.description, tried)
    log(f"no more candidates after {tried}")
    return None


def budget() -> int:
    """How many candidates the search may run: CANDIDATES_PER_MUTATOR for each mutator."""
    return config.CANDIDATES_PER_MUTATOR * len(config.MUTATORS)


def validate(path: str, source: str, original: str, oracle: Oracle) -> str:
    target = oracle.repo / path
    target.write_text(source, encoding="utf-8")
    try:
        if oracle.checks and not testrun.run_script(
            oracle.repo,
            oracle.repro_script,
            oracle.checks,
            timeout_s=config.REPRO_TIMEOUT_S,
            cpu_s=config.REPRO_CPU_S,
        ):
            return "reproduction still fails"
        if not oracle.must_pass:
            return "passes"
        suite = testrun.run_suite(
            oracle.repo,
            [str(oracle.repo)],
            trace=False,
            timeout_s=config.TESTS_TIMEOUT_S,
            test_timeout_s=config.TEST_TIMEOUT_S,
            stop_first=True,
        )
        if suite.timed_out:
            return "tests timed out"
        broken = [t for t in oracle.must_pass if suite.outcomes.get(t) != "passed"]
        return f"fails {broken[0]}" if broken else "passes"
    finally:
        target.write_text(original, encoding="utf-8")
