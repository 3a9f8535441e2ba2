"""Web operator proposals: real edits of the rule agent (agents/webrules) that keep its own
tests green, evidence read from episode logs, and a deterministic draw."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from godelbox.paths import seed_agent_dir
from godelbox.proposer.base import ParentEvidence, TaskEvidence
from godelbox.proposer.operators.agent_source import AgentSource
from godelbox.proposer.web_operators import WEB_CATALOGUE, web_evidence, web_operator_proposer
from godelbox.proposer.web_operators.catalogue import AddRule, GuardRule, template_names
from tests.offline.test_operators import self_test, write

SEED = seed_agent_dir("webrules")


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> Path:
    """The seed with every template rule added and one guard, so removals and reorders of
    every kind have something to act on."""
    agent = tmp_path_factory.mktemp("grown") / "agent"
    shutil.copytree(SEED, agent, ignore=shutil.ignore_patterns("__pycache__"))
    for _ in template_names():
        write(agent, AddRule().changes(AgentSource.read(agent))[-1].files)
    write(agent, GuardRule().changes(AgentSource.read(agent))[0].files)
    return agent


def test_the_grown_agent_holds_every_template_and_passes_its_own_tests(grown) -> None:
    rules = AgentSource.read(grown).get("RULES")
    assert set(template_names()) <= set(rules)
    done = self_test(grown)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize("transformation", WEB_CATALOGUE, ids=lambda t: t.name)
def test_transformation_edits_the_agent_and_keeps_it_valid(transformation, grown, tmp_path):
    parent = next((a for a in (SEED, grown) if transformation.changes(AgentSource.read(a))), None)
    assert parent is not None, f"{transformation.name} applies neither to the seed nor beyond"
    changes = transformation.changes(AgentSource.read(parent))
    assert len({c.description for c in changes}) == len(changes)
    child = tmp_path / "child"
    shutil.copytree(parent, child, ignore=shutil.ignore_patterns("__pycache__"))
    change = random.Random(transformation.name).choice(changes)
    before = (child / "config.py").read_text()
    write(child, change.files)
    assert (child / "config.py").read_text() != before
    done = self_test(child)
    assert done.returncode == 0, done.stdout[-2000:]


@pytest.mark.parametrize("mode", ["exact", "casefold", "contains"])
def test_every_rule_keeps_its_examples_under_every_match_mode(grown, tmp_path, mode) -> None:
    # set_match must be able to produce a valid child whatever rules the parent holds.
    child = tmp_path / "child"
    shutil.copytree(grown, child, ignore=shutil.ignore_patterns("__pycache__"))
    write(child, {"config.py": AgentSource.read(child).set("MATCH", mode)})
    done = self_test(child)
    assert done.returncode == 0, done.stdout[-2000:]


def test_removing_a_guarded_rule_removes_its_guard(grown, tmp_path) -> None:
    guarded = AgentSource.read(grown).get("GUARDS")[0].partition(":")[0]
    removal = next(
        c
        for c in WEB_CATALOGUE[1].changes(AgentSource.read(grown))
        if c.description == f"drop rule {guarded!r}"
    )
    child = tmp_path / "child"
    shutil.copytree(grown, child, ignore=shutil.ignore_patterns("__pycache__"))
    write(child, removal.files)
    assert AgentSource.read(child).get("GUARDS") == []
    assert self_test(child).returncode == 0


def episode_log(ended: str, stderr: str = "") -> str:
    return f"episode miniwob/x#0: ended {ended}, reward 0.000 (raw 0.000), 1 step(s)\n{stderr}"


def test_evidence_counts_how_failed_episodes_ended() -> None:
    tasks = [
        TaskEvidence("a", "unresolved", log=episode_log("done", "step 0: no rule applies")),
        TaskEvidence("b", "unresolved", log=episode_log("step_limit")),
        TaskEvidence("c", "unresolved", log=episode_log("terminated")),
        TaskEvidence("d", "unresolved", log=episode_log("terminated")),
        TaskEvidence("e", "timeout", log=episode_log("timeout")),
        TaskEvidence("f", "resolved", log=episode_log("terminated")),
    ]
    assert web_evidence(tasks).failures == Counter(
        {"no_rule": 1, "stuck": 1, "wrong": 2, "timeout": 1}
    )


def propose_from(seed: int, tasks: list[TaskEvidence], tmp_path: Path) -> dict:
    workdir = tmp_path / f"w{seed}-{len(tasks)}-{random.random()}"
    workdir.mkdir()
    parent = ParentEvidence(node_id=1, agent_dir=SEED, score=0.1, tasks=tasks)
    proposal = web_operator_proposer().propose(parent, workdir, random.Random(seed), None)
    assert proposal.kind == "web-operator" and (proposal.child_dir / "config.py").is_file()
    return proposal.info


def test_the_draw_is_deterministic_and_follows_the_evidence(tmp_path: Path) -> None:
    assert propose_from(3, [], tmp_path) == propose_from(3, [], tmp_path)
    gave_up = [
        TaskEvidence(f"t{i}", "unresolved", log=episode_log("done", "no rule applies"))
        for i in range(5)
    ]
    plain = Counter(propose_from(s, [], tmp_path)["transformation"] for s in range(60))
    drawn = Counter(propose_from(s, gave_up, tmp_path)["transformation"] for s in range(60))
    # An agent that finds no rule gets new rules more often than one without evidence.
    assert drawn["add_rule"] > plain["add_rule"] + 5, (drawn, plain)
