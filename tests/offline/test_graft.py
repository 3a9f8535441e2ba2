"""The graft kind: a change that beat its parent elsewhere in the archive, merged into another
agent three ways; conflicts and changes the agent already holds are not offered."""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from godelbox.loop.proposing import leads
from godelbox.proposer.base import Graft, ParentEvidence, ProposalError
from godelbox.proposer.code import grammar
from godelbox.proposer.code.source import AgentCode
from godelbox.proposer.offline import offline_proposer
from godelbox.proposer.operators.agent_source import template
from tests.offline.agent_runner import SEED, self_test


def variant(tmp_path: Path, name: str, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """A copy of the seed with `config.py` lines replaced (old -> new) and `extra` files."""
    root = tmp_path / name
    shutil.copytree(SEED, root, ignore=shutil.ignore_patterns("__pycache__"))
    config = root / "config.py"
    text = config.read_text()
    for old, new in (edits or {}).values():
        assert old in text
        text = text.replace(old, new)
    config.write_text(text)
    return root


def improvement(tmp_path: Path) -> tuple[Path, Path]:
    """The seed before and after a change that adds the argument_swap operator and widens the
    search to ten lines: two lines of config.py and a new module."""
    after = variant(
        tmp_path,
        "after",
        {
            "mutators": (
                'MUTATORS = ["operator_swap", "off_by_one"]',
                'MUTATORS = ["operator_swap", "off_by_one", "argument_swap"]',
            ),
            "top": ("TOP_LINES = 5", "TOP_LINES = 10"),
        },
    )
    (after / "mutators" / "argument_swap.py").write_text(template("mutators", "argument_swap"))
    return SEED, after


def graft(
    parent: Path,
    grafts: tuple[Graft, ...],
    workdir: Path,
    seed: int = 0,
    tried: tuple[str, ...] = (),
):
    evidence = ParentEvidence(1, parent, 0.2, [], tried=tried, grafts=grafts)
    return offline_proposer(["graft"]).propose(evidence, workdir, random.Random(seed), print)


def test_a_graft_carries_the_change_that_paid_into_an_agent_that_differs_elsewhere(tmp_path):
    before, after = improvement(tmp_path)
    parent = variant(tmp_path, "parent", {"formula": ('"tarantula"', '"dstar"')})
    proposal = graft(parent, (Graft(9, 0.125, before, after),), tmp_path / "w")
    config = (proposal.child_dir / "config.py").read_text()
    assert 'FORMULA = "dstar"' in config, "the parent's own change is kept"
    assert "TOP_LINES = 10" in config and '"off_by_one", "argument_swap"]' in config
    assert (proposal.child_dir / "mutators" / "argument_swap.py").is_file()
    description = proposal.info["description"]
    assert proposal.kind == "graft" and re.fullmatch(
        r"graft node 9's change \(\+0\.125 over its parent\) \[[0-9a-f]{12}\]: "
        r"config\.py, mutators/argument_swap\.py",
        description,
    ), description
    assert proposal.info["graft_source"] == 9, "the loop reads the source without parsing text"
    assert not (parent / "mutators" / "argument_swap.py").exists(), "the parent is only read"
    done = self_test(proposal.child_dir)
    assert done.returncode == 0, done.stdout[-2000:]


def test_a_conflicting_change_or_one_the_agent_holds_is_not_offered(tmp_path):
    before, after = improvement(tmp_path)
    source = (Graft(9, 0.125, before, after),)
    conflicting = variant(tmp_path, "conflict", {"top": ("TOP_LINES = 5", "TOP_LINES = 7")})
    with pytest.raises(ProposalError, match="graft kind has no applicable change"):
        graft(conflicting, source, tmp_path / "w1")
    with pytest.raises(ProposalError, match="graft kind has no applicable change"):
        graft(after, source, tmp_path / "w2")
    with pytest.raises(ProposalError, match="graft kind has no applicable change") as nothing:
        graft(SEED, (), tmp_path / "w3")
    # A kind that had nothing is recorded in the child's proposal: a path there would make two
    # seeded runs in different directories differ.
    assert str(SEED) not in str(nothing.value) and "node 1's agent" in str(nothing.value)


def test_two_operators_added_on_one_line_are_both_kept(tmp_path):
    """The source added `argument_swap` last; the parent had added `constant` first. A text
    merge conflicts on the MUTATORS line; the graft keeps both, each where its side put it."""
    before, after = improvement(tmp_path)
    parent = variant(
        tmp_path,
        "parent",
        {"m": ('["operator_swap", "off_by_one"]', '["constant", "operator_swap", "off_by_one"]')},
    )
    (parent / "mutators" / "constant.py").write_text(template("mutators", "constant"))
    proposal = graft(parent, (Graft(9, 0.125, before, after),), tmp_path / "w")
    config = (proposal.child_dir / "config.py").read_text()
    assert 'MUTATORS = ["constant", "operator_swap", "off_by_one", "argument_swap"]\n' in config
    assert "TOP_LINES = 10" in config
    done = self_test(proposal.child_dir)
    assert done.returncode == 0, done.stdout[-2000:]


def test_two_operator_families_added_to_one_table_are_both_kept(tmp_path):
    """The grammar kind's own changes: the source added the arithmetic family to SWAPS, the
    parent the boolean family. Both append lines at the table's end, a text conflict; the graft
    keeps both families, and the child's own tests check every entry of the table."""
    families = {
        c.transformation + c.description: c
        for c in grammar.candidates(AgentCode.read(SEED), [])
        if c.transformation == "new_family"
    }
    arithmetic = next(c for d, c in families.items() if "the operator family" in d)
    boolean = next(c for d, c in families.items() if "the boolop family" in d)
    after, parent = variant(tmp_path, "after"), variant(tmp_path, "parent")
    for root, change in ((after, arithmetic), (parent, boolean)):
        for rel, text in (change.make() or {}).items():
            (root / rel).write_text(text)
    proposal = graft(parent, (Graft(9, 0.1, SEED, after),), tmp_path / "w")
    swaps = (proposal.child_dir / "mutators" / "operator_swap.py").read_text()
    assert '"And": ["Or"]' in swaps and '"Add": ["Sub", ' in swaps and '"Lt": ["LtE", ' in swaps
    done = self_test(proposal.child_dir)
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_larger_gain_is_grafted_more_often(tmp_path):
    before, after = improvement(tmp_path)
    small = variant(tmp_path, "small", {"formula": ('"tarantula"', '"ochiai"')})
    sources = (Graft(3, 0.05, before, small), Graft(9, 0.5, before, after))
    drawn = Counter(
        graft(SEED, sources, tmp_path / f"w{i}", seed=i).info["description"].split("'")[0]
        for i in range(40)
    )
    assert drawn["graft node 9"] > 3 * drawn["graft node 3"] > 0, drawn


def test_a_change_is_offered_once_however_many_nodes_carry_it(tmp_path):
    """A graft of a graft carries the same change as its source: the parent gets it once, and
    not again once an earlier child of the parent received it (from either source)."""
    before, after = improvement(tmp_path)
    regraft_before = variant(tmp_path, "regraft_before", {"f": ('"tarantula"', '"ochiai"')})
    regraft_after = variant(tmp_path, "regraft_after", {"f": ('"tarantula"', '"ochiai"')})
    regraft_config = regraft_after / "config.py"
    regraft_config.write_text(
        regraft_config.read_text()
        .replace("TOP_LINES = 5", "TOP_LINES = 10")
        .replace('"off_by_one"]', '"off_by_one", "argument_swap"]')
    )
    (regraft_after / "mutators" / "argument_swap.py").write_text(
        template("mutators", "argument_swap")
    )
    sources = (Graft(9, 0.125, before, after), Graft(12, 0.25, regraft_before, regraft_after))
    made = {graft(SEED, sources, tmp_path / f"w{i}", seed=i).info["description"] for i in range(8)}
    assert len(made) == 1, made
    first = made.pop()
    assert first.startswith("graft node 12's"), "the larger gain names the change"
    with pytest.raises(ProposalError, match="graft kind has no applicable change"):
        graft(SEED, sources, tmp_path / "again", tried=(first.replace("node 12", "node 99"),))


def test_a_graft_is_offered_only_where_it_could_make_a_new_best():
    assert leads(parent_score=0.30, gain=0.05, best=0.33)
    assert not leads(parent_score=0.25, gain=0.05, best=0.33), "it would rebuild a weaker agent"
    assert not leads(parent_score=0.3125, gain=0.015625, best=0.328125), "a tie is no lead"
    assert leads(parent_score=0.328125, gain=0.015625, best=0.328125)
