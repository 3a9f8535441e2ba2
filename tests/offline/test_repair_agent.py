"""The seed repair agent fixes real built-in tasks and its answer is only the source fix."""

from __future__ import annotations

import pytest

from tests.offline.agent_runner import SEED, attempt, task

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
