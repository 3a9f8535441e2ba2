"""The seed repair agent fixes real built-in tasks and its answer is only the source fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from godelbox.proposer.operators.agent_source import template
from tests.offline.agent_runner import SEED, attempt, self_test, task

pytestmark = pytest.mark.slow  # the seed on real tasks: make unit leaves it out


@pytest.mark.parametrize("instance_id", ["builtin__pagekit-14", "builtin__stockroom-58"])
def test_seed_resolves_task_and_diff_holds_only_the_fix(instance_id, tmp_path):
    instance = task(instance_id)
    result = attempt(SEED, instance, tmp_path)
    assert result.summary["outcome"] == "fixed"
    assert result.resolved, result.summary
    gold_files = {
        line.split(" b/")[-1]
        for line in instance.patch.splitlines()
        if line.startswith("diff --git")
    }
    assert [line[:3] for line in result.changed] == [" M "] * len(result.changed)
    assert {line[3:] for line in result.changed} == gold_files


@pytest.mark.parametrize(
    ("instance_id", "form"),
    [("builtin__smoothing-21", ">>> "), ("builtin__urlnorm-77", "should give")],
)
def test_seed_reads_sessions_and_prose_with_values(instance_id, form, tmp_path):
    """Issues without a fenced assert: a doctest-style session, and prose stating the value."""
    instance = task(instance_id)
    assert form in instance.problem_statement and "```" not in instance.problem_statement
    result = attempt(SEED, instance, tmp_path)
    assert any("repro_check" in t for t in result.summary.get("failing", [])), result.summary


def test_seed_fixes_a_task_stated_as_a_session(tmp_path):
    result = attempt(SEED, task("builtin__smoothing-21"), tmp_path)
    assert result.resolved, result.summary


def grown_seed(tmp_path: Path) -> Path:
    """The seed as evolution grows it: every arithmetic operator swappable for every other
    (an operator family) and ten suspicious lines."""
    agent = tmp_path / "agent"
    shutil.copytree(SEED, agent, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    arithmetic = ["Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow", "BitOr", "BitAnd"]
    family = {op: [o for o in arithmetic if o != op] for op in arithmetic}
    with (agent / "mutators" / "operator_swap.py").open("a", encoding="utf-8") as module:
        module.write(f"SWAPS.update({family!r})\n")
    config = agent / "config.py"
    config.write_text(config.read_text().replace("TOP_LINES = 5\n", "TOP_LINES = 10\n"))
    return agent


def test_an_operator_family_does_not_crowd_out_the_seeds_other_mutator(tmp_path):
    """The grown seed still makes the off-by-one fix of `smoothing-21`: in the seed's order
    (by_rank) the arithmetic swaps' alternatives cannot spend the candidate budget before
    `off_by_one` is tried (by_operator spent all 40 on swaps)."""
    agent = grown_seed(tmp_path)
    assert self_test(agent).returncode == 0
    result = attempt(agent, task("builtin__smoothing-21"), tmp_path / "run")
    assert result.resolved, result.summary


def test_a_new_mutator_brings_its_own_share_of_the_candidate_budget(tmp_path):
    """The grown seed with three more mutators still makes the off-by-one fix of `snippets-7`,
    past the 40th candidate: each mutator adds CANDIDATES_PER_MUTATOR to the budget. A budget
    fixed at the seed's 40 stopped the search before it, so adding a mutator cost the seed's
    own fixes."""
    agent = grown_seed(tmp_path)
    added = ["return_variable", "argument_swap", "constant"]
    for name in added:
        (agent / "mutators" / f"{name}.py").write_text(template("mutators", name))
    config = agent / "config.py"
    config.write_text(
        config.read_text().replace(
            'MUTATORS = ["operator_swap", "off_by_one"]',
            f"MUTATORS = {['operator_swap', 'return_variable', 'off_by_one', *added[1:]]!r}",
        )
    )
    assert self_test(agent).returncode == 0
    result = attempt(agent, task("builtin__snippets-7"), tmp_path / "run")
    assert result.resolved, result.summary
    assert result.summary["tried"] > 40
