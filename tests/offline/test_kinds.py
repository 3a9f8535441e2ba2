"""The proposal-kind bandit: draws follow the archive's record, fall back when a kind has
nothing to offer, are reproducible, and are recorded per node (the archive column and its
migration)."""

from __future__ import annotations

import random
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from godelbox.archive.db import MIGRATIONS, migrate
from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.proposer.base import KindStats, ParentEvidence, Proposal, ProposalError
from godelbox.proposer.code import grammar
from godelbox.proposer.code.source import AgentCode
from godelbox.proposer.kinds import KindProposer, thompson
from godelbox.proposer.offline import offline_proposer
from tests.offline.agent_runner import SEED


class Fixed:
    """An arm that always proposes (or always has nothing to offer)."""

    def __init__(self, works: bool = True) -> None:
        self.works = works

    def propose(self, parent, workdir, rng, on_llm_call) -> Proposal:
        if not self.works:
            raise ProposalError("nothing applies")
        return Proposal(child_dir=workdir, kind="whatever", info={"description": "d"})


def evidence(stats: dict[str, KindStats]) -> ParentEvidence:
    return ParentEvidence(node_id=1, agent_dir=Path("."), score=0.5, tasks=[], kind_stats=stats)


def test_kinds_that_paid_are_drawn_more_often():
    stats = {"good": KindStats(children=20, improved=12), "bad": KindStats(children=20)}
    rng = random.Random(0)
    drawn = Counter(thompson(["bad", "good"], stats, rng).order[0] for _ in range(400))
    assert drawn["good"] > 350
    unknown = Counter(thompson(["a", "b"], {}, rng).order[0] for _ in range(400))
    assert 120 < unknown["a"] < 280, "without evidence every kind gets its chance"


def test_a_prior_leads_until_the_record_says_otherwise():
    rng = random.Random(0)
    priors = {"template": (3.0, 1.0)}
    fresh = Counter(thompson(["ast", "template"], {}, rng, priors).order[0] for _ in range(400))
    assert fresh["template"] > 260, "before any record the favoured kind is drawn more often"
    record = {"template": KindStats(children=12), "ast": KindStats(children=12, improved=6)}
    later = Counter(thompson(["ast", "template"], record, rng, priors).order[0] for _ in range(400))
    assert later["ast"] > 350, "a few children of each kind outweigh the prior"


def test_draw_is_reproducible_and_recorded(tmp_path):
    proposer = KindProposer([("a", Fixed()), ("b", Fixed())])
    stats = {"a": KindStats(3, 1)}
    first = proposer.propose(evidence(stats), tmp_path / "1", random.Random(5), print)
    again = proposer.propose(evidence(stats), tmp_path / "2", random.Random(5), print)
    assert first.kind == again.kind and first.kind in ("a", "b")
    assert first.info["bandit"] == again.info["bandit"]
    assert first.info["bandit"]["drawn"] == first.kind
    assert first.info["bandit"]["stats"] == {"a": [3, 1]}


def test_a_kind_with_nothing_to_offer_falls_back_to_the_next(tmp_path):
    proposer = KindProposer([("empty", Fixed(works=False)), ("full", Fixed())])
    stats = {"empty": KindStats(50, 50), "full": KindStats(50, 0)}
    proposal = proposer.propose(evidence(stats), tmp_path, random.Random(1), print)
    assert proposal.kind == "full"
    assert proposal.info["bandit"]["skipped"] == {"empty": "nothing applies"}


def test_a_kind_the_loop_planned_for_is_tried_before_the_draw(tmp_path):
    stats = {"planned": KindStats(50, 0), "paid": KindStats(50, 50)}
    proposer = KindProposer([("paid", Fixed()), ("planned", Fixed())])
    wanted = replace(evidence(stats), prefer=("planned", "unknown"))
    for seed in range(5):
        proposal = proposer.propose(wanted, tmp_path / str(seed), random.Random(seed), print)
        assert proposal.kind == "planned", "whatever the bandit's record says"
        assert proposal.info["bandit"]["preferred"] == ["planned"]
    assert (
        "preferred"
        not in proposer.propose(evidence(stats), tmp_path / "drawn", random.Random(0), print).info[
            "bandit"
        ]
    )
    empty = KindProposer([("paid", Fixed()), ("planned", Fixed(works=False))])
    fallback = empty.propose(wanted, tmp_path / "fallback", random.Random(0), print)
    assert fallback.kind == "paid", "a planned kind with nothing to offer falls back to the draw"
    assert fallback.info["bandit"]["skipped"] == {"planned": "nothing applies"}


def test_no_kind_with_a_change_is_a_proposal_error(tmp_path):
    proposer = KindProposer([("x", Fixed(works=False))])
    with pytest.raises(ProposalError, match="no proposal kind had a change to offer: x"):
        proposer.propose(evidence({}), tmp_path, random.Random(1), print)


def test_kind_and_move_stats_count_final_children_and_improvements_before_a_node(tmp_path):
    with Archive.create(tmp_path / "run", "") as archive:
        seed = archive.add_node(parent_id=None, commit_sha="s", status=NodeStatus.EVALUATED)
        archive.update_node(seed, score=0.25)
        outcomes = [
            ("ast", NodeStatus.EVALUATED, 0.5),  # better than the seed
            ("ast", NodeStatus.EVALUATED, 0.25),  # equal: not an improvement
            ("ast", NodeStatus.INVALID, None),
            ("template", NodeStatus.EVALUATED, 0.75),
            ("template", NodeStatus.EVALUATING, None),  # in flight: not counted
        ]
        moves = ["swap", "swap", None, "add_mutator", "add_mutator"]
        for (kind, status, score), move in zip(outcomes, moves, strict=True):
            node = archive.add_node(parent_id=seed, commit_sha="c")
            fields = {"score": score} if score is not None else {}
            proposal = {"transformation": move} if move else {"description": "no name"}
            archive.set_status(node, status, proposal_kind=kind, proposal=proposal, **fields)
        assert archive.kind_stats(before_id=100) == {"ast": (3, 1), "template": (1, 1)}
        assert archive.kind_stats(before_id=3) == {"ast": (1, 1)}
        assert archive.transformation_stats(before_id=100) == {
            "swap": (2, 1),
            "add_mutator": (1, 1),
        }
        assert archive.transformation_stats(before_id=3) == {"swap": (1, 1)}
        assert [n.id for n in archive.top_nodes(2, before_id=100, exclude=5)] == [2, 1]
        assert [(n.id, g) for n, g in archive.improvements(before_id=100)] == [(5, 0.5), (2, 0.25)]
        assert [(n.id, g) for n, g in archive.improvements(before_id=3)] == [(2, 0.25)]
        grandchild = archive.add_node(parent_id=2, commit_sha="g")
        archive.set_status(grandchild, NodeStatus.EVALUATED, score=0.5)
        assert [n.id for n, _ in archive.improvements(100, outside_lineage_of=grandchild)] == [5]


def test_migration_adds_the_column_and_fills_it_from_the_proposal(tmp_path):
    with Archive.create(tmp_path / "run", "") as archive:
        archive.add_node(parent_id=None, commit_sha="s", proposal={"kind": "operator"})
        archive.add_node(parent_id=1, commit_sha="c", proposal={"generation": 1})
        engine = archive.engine
        version = 1 + next(i for i, m in enumerate(MIGRATIONS) if "proposal_kind" in m.__name__)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE agent_node DROP COLUMN proposal_kind"))
            conn.execute(
                text(f"UPDATE godelbox_meta SET value = '{version}' WHERE key = 'schema_version'")
            )
        assert migrate(engine) == 1 + len(MIGRATIONS)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, proposal_kind FROM agent_node ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "operator"), (2, None)]


def test_a_screen_is_made_by_the_kind_that_listed_it_and_falls_back_once_tried(tmp_path):
    proposer = offline_proposer()
    listed = proposer.screens(SEED)
    assert {kind for kind, _ in listed} == {"template", "grammar"}
    kind, wanted = next(screen for screen in listed if screen[0] == "template")
    parent = ParentEvidence(1, SEED, 0.1, [], prefer=(kind,), screen=wanted)
    child = proposer.propose(parent, tmp_path / "screened", random.Random(0), print)
    assert (child.kind, child.info["description"]) == ("template", wanted)
    tried = replace(parent, tried=(wanted,))
    other = proposer.propose(tried, tmp_path / "again", random.Random(0), print)
    assert other.info["description"] != wanted
    assert other.info["bandit"]["skipped"]["template"].endswith("tried on this agent already")


def test_the_grammar_kind_screens_each_missing_operator_family(tmp_path):
    proposer = offline_proposer()
    families = [d for k, d in proposer.screens(SEED) if k == "grammar"]
    assert [d.split(" family")[0].rsplit(" ", 1)[1] for d in families] == [
        "operator",
        "boolop",
        "unaryop",
    ], "the families the seed's SWAPS lacks (it has the comparisons), nothing else"
    wanted = families[1]
    parent = ParentEvidence(1, SEED, 0.1, [], prefer=("grammar",), screen=wanted)
    child = proposer.propose(parent, tmp_path / "boolop", random.Random(0), print)
    assert (child.kind, child.info["description"]) == ("grammar", wanted)
    assert child.info["screened"] is True and child.info["transformation"] == "new_family"
    swaps = (child.child_dir / "mutators" / "operator_swap.py").read_text()
    assert '"And": ["Or"]' in swaps and '"Or": ["And"]' in swaps
    once = replace(parent, tried=(wanted,))
    other = proposer.propose(once, tmp_path / "again", random.Random(0), print)
    assert other.info.get("screened") is None, "the next kind draws as usual, not the screen"


def test_a_capability_is_described_the_same_on_every_agent_that_lacks_it(tmp_path):
    """The loop screens each capability once, on whichever agent is the best, and knows it by
    its description: an agent that holds another operator, or part of a family, must list what
    it still lacks in the same words as the seed."""
    proposer = offline_proposer()
    offered = proposer.screens(SEED)
    mutator = next(d for k, d in offered if k == "template")
    with_mutator = proposer.propose(
        ParentEvidence(1, SEED, 0.1, [], prefer=("template",), screen=mutator),
        tmp_path / "mutator",
        random.Random(0),
        print,
    )
    assert proposer.screens(with_mutator.child_dir) == tuple(s for s in offered if s[1] != mutator)

    entry = next(
        c
        for c in grammar.candidates(AgentCode.read(SEED), [])
        if c.transformation == "new_entry" and " And -> " in c.description
    )
    half = tmp_path / "half"
    shutil.copytree(SEED, half, ignore=shutil.ignore_patterns("__pycache__"))
    for rel, source in (entry.make() or {}).items():
        (half / rel).write_text(source)
    assert proposer.screens(half) == offered, "the boolop family, half there, is the same"
