"""The seed repair agent fixes real built-in tasks and its answer is only the source fix."""

from __future__ import annotations

import random
import shutil

import pytest

from godelbox.proposer.operators.agent_source import AgentSource
from godelbox.proposer.operators.catalogue import AddReproSource
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


def test_seed_cannot_read_doctests_but_the_doctest_extractor_can(tmp_path):
    instance = task("builtin__smoothing-21")
    assert ">>> " in instance.problem_statement and "```python" not in instance.problem_statement
    seed_try = attempt(SEED, instance, tmp_path / "seed")
    assert seed_try.summary["outcome"] == "no_reproduction"
    assert seed_try.changed == []

    evolved = tmp_path / "evolved"
    shutil.copytree(SEED, evolved)
    change = random.Random(0).choice(AddReproSource().changes(AgentSource.read(evolved)))
    for rel, text in change.files.items():
        (evolved / rel).write_text(text, encoding="utf-8")
    evolved_try = attempt(evolved, instance, tmp_path / "evolved-run")
    assert evolved_try.resolved, evolved_try.summary
