"""Operator proposals: real, non-empty edits that keep the agent's own tests green, drawn
deterministically from the rng."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from godelbox.proposer.base import KindStats, ParentEvidence, ProposalError, TaskEvidence
from godelbox.proposer.operators import CATALOGUE, Evidence, OperatorProposer, propose
from godelbox.proposer.operators.agent_source import AgentSource, NotARepairAgentError, templates
from godelbox.proposer.operators.catalogue import (
    AddMutator,
    AddPrecheck,
    AddReproSource,
    LowerMaxCandidates,
    RemoveReproSource,
    SetMaxCandidates,
    SetTopLines,
    screens,
)
from tests.offline.agent_runner import SEED, self_test


def write(agent: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (agent / rel).parent.mkdir(parents=True, exist_ok=True)
        (agent / rel).write_text(text, encoding="utf-8")


def tree(agent: Path) -> dict[str, str]:
    return {
        p.relative_to(agent).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(agent.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def rich_agent(tmp_path_factory) -> Path:
    """The seed plus one addition of each kind (so removals have something to remove) and one
    reproduction source fewer (so there is one to add back)."""
    agent = tmp_path_factory.mktemp("rich") / "agent"
    shutil.copytree(SEED, agent, ignore=shutil.ignore_patterns("__pycache__"))
    for change in (AddMutator(), AddPrecheck(), RemoveReproSource()):
        write(agent, change.changes(AgentSource.read(agent))[-1].files)
    assert AddReproSource().changes(AgentSource.read(agent))
    return agent


@pytest.mark.slow  # make unit leaves it out (see the Makefile)
@pytest.mark.parametrize("transformation", CATALOGUE, ids=lambda t: t.name)
def test_transformation_edits_the_agent_and_keeps_it_valid(transformation, rich_agent, tmp_path):
    parent = next(
        (a for a in (SEED, rich_agent) if transformation.changes(AgentSource.read(a))), None
    )
    assert parent is not None, f"{transformation.name} applies neither to the seed nor beyond"
    changes = transformation.changes(AgentSource.read(parent))
    child = tmp_path / "child"
    shutil.copytree(parent, child, ignore=shutil.ignore_patterns("__pycache__"))
    change = random.Random(transformation.name).choice(changes)
    before = tree(child)
    write(child, change.files)
    after = tree(child)
    assert after != before
    edited = [rel for rel in after if after[rel] != before.get(rel)]
    assert "config.py" in edited
    config_lines = set(after["config.py"].splitlines()) ^ set(before["config.py"].splitlines())
    assert len(config_lines) == 2, "exactly one line of config.py is rewritten"
    done = self_test(child)
    assert done.returncode == 0, done.stdout[-2000:]


def test_every_listed_change_is_a_real_change(rich_agent):
    for agent in (SEED, rich_agent):
        source = AgentSource.read(agent)
        for transformation in CATALOGUE:
            for change in transformation.changes(source):
                assert change.files
                for rel, text in change.files.items():
                    old = agent / rel
                    assert not old.exists() or old.read_text(encoding="utf-8") != text
                    compile(text, rel, "exec")


def test_same_rng_same_proposal_and_seeds_explore(tmp_path):
    drawn = []
    for seed in range(25):
        first = propose(SEED, random.Random(seed))
        again = propose(SEED, random.Random(seed))
        assert first == again
        drawn.append(first.transformation)
    assert len(set(drawn)) >= 5


def test_proposal_does_not_touch_the_parent(tmp_path):
    parent = tmp_path / "parent"
    shutil.copytree(SEED, parent)
    before = tree(parent)
    offer = propose(parent, random.Random(3))
    assert tree(parent) == before
    offer.apply(parent)
    assert tree(parent) != before


def test_evidence_steers_the_draw():
    overfit = Evidence.from_tasks(
        [TaskEvidence(f"t{i}", "unresolved", log="...\noutcome: fixed\n") for i in range(5)]
    )
    assert overfit.failures == Counter({"overfit": 5})
    rng_plain, rng_steered = random.Random(7), random.Random(7)
    plain = Counter(propose(SEED, rng_plain).transformation for _ in range(400))
    steered = Counter(propose(SEED, rng_steered, overfit).transformation for _ in range(400))
    assert steered["remove_mutator"] > 1.8 * plain["remove_mutator"]


def test_the_runs_record_steers_the_draw_away_from_moves_that_keep_failing():
    failing = {"add_mutator": KindStats(children=4, improved=0)}
    paying = {"set_formula": KindStats(children=4, improved=4)}
    draws = {}
    for name, record in (("plain", None), ("failing", failing), ("paying", paying)):
        rng = random.Random(11)
        draws[name] = Counter(propose(SEED, rng, record=record).transformation for _ in range(600))
    assert draws["failing"]["add_mutator"] < 0.5 * draws["plain"]["add_mutator"]
    assert draws["paying"]["set_formula"] > 1.3 * draws["plain"]["set_formula"]


def test_the_proposer_reads_the_record_from_the_parents_evidence(tmp_path):
    record = {t.name: KindStats(children=50, improved=0) for t in CATALOGUE}
    record["set_top_lines"] = KindStats(children=50, improved=50)
    parent = ParentEvidence(
        node_id=1, agent_dir=SEED, score=0.0, tasks=[], transformation_stats=record
    )
    drawn = Counter(
        OperatorProposer()
        .propose(parent, tmp_path / str(i), random.Random(i), print)
        .info["transformation"]
        for i in range(20)
    )
    assert drawn["set_top_lines"] >= 18, drawn


def test_evidence_counts_a_wrong_fix_as_overfit():
    evidence = Evidence.from_tasks(
        [
            TaskEvidence("a", "unresolved", log="candidate 1: passes\noutcome: fixed\n"),
            TaskEvidence("b", "resolved", log="outcome: fixed\n"),
            TaskEvidence("c", "timeout", log="candidate 9: breaks x"),
        ]
    )
    assert evidence.failures == Counter({"overfit": 1, "timeout": 1})


def test_evidence_tells_a_search_cut_short_from_one_that_ran_out_of_edits():
    evidence = Evidence.from_tasks(
        [
            TaskEvidence("a", "unresolved", log="candidate budget of 40 spent\noutcome: no_fix\n"),
            TaskEvidence(
                "b", "unresolved", log="time budget spent; stopping the search\noutcome: no_fix\n"
            ),
            TaskEvidence("c", "unresolved", log="no more candidates after 3\noutcome: no_fix\n"),
            TaskEvidence("d", "unresolved", log="outcome: no_fix\n"),
            TaskEvidence(
                "e", "unresolved", log="  say: no more candidates after 3\noutcome: no_fix"
            ),
        ]
    )
    assert evidence.failures == Counter({"no_fix_budget": 2, "no_fix_exhausted": 1, "no_fix": 2})


def test_a_search_that_ran_out_of_edits_draws_new_edits_not_a_bigger_budget():
    def draws(log: str) -> Counter[str]:
        tasks = [TaskEvidence(f"t{i}", "unresolved", log=log) for i in range(10)]
        rng = random.Random(5)
        return Counter(
            propose(SEED, rng, Evidence.from_tasks(tasks)).transformation for _ in range(600)
        )

    exhausted = draws("no more candidates after 8\noutcome: no_fix\n")
    cut_short = draws("candidate budget of 40 spent\noutcome: no_fix\n")
    assert exhausted["add_mutator"] > 1.4 * cut_short["add_mutator"]
    assert exhausted["set_top_lines"] > 2 * cut_short["set_top_lines"]
    assert cut_short["set_max_candidates"] > 2 * exhausted["set_max_candidates"]
    assert cut_short["add_precheck"] > 2 * exhausted["add_precheck"]


def test_a_search_that_ran_out_of_edits_is_offered_more_lines_never_fewer(tmp_path):
    seed = AgentSource.read(SEED)
    assert [c.description for c in SetTopLines().changes(seed)] == ["TOP_LINES 5 -> 10"]
    assert [c.description for c in SetMaxCandidates().changes(seed)] == [
        "CANDIDATES_PER_MUTATOR 20 -> 40"
    ]
    assert [c.description for c in LowerMaxCandidates().changes(seed)] == [
        "CANDIDATES_PER_MUTATOR 20 -> 10"
    ]
    agent = tmp_path / "agent"
    shutil.copytree(SEED, agent)
    config = agent / "config.py"
    config.write_text(config.read_text().replace("TOP_LINES = 5", "TOP_LINES = 40"))
    assert SetTopLines().changes(AgentSource.read(agent)) == [], "40 is the bound"


def test_an_agent_from_before_the_per_mutator_budget_still_gets_proposals(tmp_path):
    """An archive started before CANDIDATES_PER_MUTATOR holds agents with MAX_CANDIDATES: the
    budget moves do not apply to them, and every other transformation still does."""
    agent = tmp_path / "agent"
    shutil.copytree(SEED, agent)
    config = agent / "config.py"
    config.write_text(
        config.read_text().replace("CANDIDATES_PER_MUTATOR = 20", "MAX_CANDIDATES = 40")
    )
    old = AgentSource.read(agent)
    assert SetMaxCandidates().changes(old) == [] and LowerMaxCandidates().changes(old) == []
    drawn = {propose(agent, random.Random(i)).transformation for i in range(200)}
    assert "add_mutator" in drawn and "set_max_candidates" not in drawn


def test_non_repair_agent_is_a_clear_error(tmp_path):
    (tmp_path / "run.py").write_text("print('hi')\n")
    with pytest.raises(NotARepairAgentError, match="only edit the repair agent"):
        propose(tmp_path, random.Random(0))


def test_exhausted_catalogue_is_a_proposal_error():
    with pytest.raises(ProposalError, match="no transformation applies"):
        propose(SEED, random.Random(0), catalogue=())


def test_changes_already_tried_on_the_parent_are_not_proposed_again():
    tried: list[str] = []
    for i in range(12):
        offer = propose(SEED, random.Random(i), tried=tried)
        assert offer.description not in tried
        tried.append(offer.description)
    assert len(set(tried)) == 12


def test_the_loop_proposer_skips_what_earlier_children_of_the_parent_tried(tmp_path):
    first = OperatorProposer().propose(
        ParentEvidence(1, SEED, 0.1, []), tmp_path / "a", random.Random(3), print
    )
    again = OperatorProposer().propose(
        ParentEvidence(1, SEED, 0.1, [], tried=(first.info["description"],)),
        tmp_path / "b",
        random.Random(3),
        print,
    )
    assert again.info["description"] != first.info["description"]


def test_each_capability_is_screened_once_appended_with_its_module(tmp_path):
    agent = AgentSource.read(SEED)
    old = list(agent.get("MUTATORS"))
    listed = screens(agent)
    added = [c.description for _, c in listed]
    assert added == [f"add mutation operator {m!r} last" for m in sorted(templates("mutators"))], (
        "every mutator template once, appended, and no extractor (the seed has them all)"
    )
    for name, change in listed:
        new = change.description.split("'")[1]
        assert name == "add_mutator"
        assert f"mutators/{new}.py" in change.files
        child = tmp_path / new
        shutil.copytree(SEED, child, ignore=shutil.ignore_patterns("__pycache__"))
        write(child, change.files)
        assert list(AgentSource.read(child).get("MUTATORS")) == [*old, new]
    assert OperatorProposer().screens(SEED) == tuple(added)


def test_a_screened_child_gets_exactly_its_capability_or_none(tmp_path):
    wanted = "add mutation operator 'empty_guard' last"
    for seed in range(3):
        child = OperatorProposer().propose(
            ParentEvidence(1, SEED, 0.1, [], screen=wanted),
            tmp_path / str(seed),
            random.Random(seed),
            print,
        )
        assert child.info["description"] == wanted and child.info["screened"] is True
        assert list(AgentSource.read(child.child_dir).get("MUTATORS"))[-1] == "empty_guard"
    with pytest.raises(ProposalError, match="tried on this agent already"):
        OperatorProposer().propose(
            ParentEvidence(1, SEED, 0.1, [], screen=wanted, tried=(wanted,)),
            tmp_path / "again",
            random.Random(0),
            print,
        )
    with pytest.raises(ProposalError, match="does not apply"):
        OperatorProposer().propose(
            ParentEvidence(1, SEED, 0.1, [], screen="add mutation operator 'nope' last"),
            tmp_path / "unknown",
            random.Random(0),
            print,
        )
