"""Planned grafts: a generation's first slot goes to the archive's best, to receive a change that
beat its parent on another branch, each change once per line of descent, and the child's
proposal gets exactly that change with the graft kind asked for first."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from godelbox.archive.models import Outcome
from godelbox.archive.store import Archive
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.planning import Planner
from godelbox.proposer.base import ParentEvidence, ProposalError
from tests.daemon.nodes import add, proposing


class Recorder:
    """A proposer that wants grafts and records the evidence it is given."""

    grafts_wanted = 5

    def __init__(self) -> None:
        self.seen: list[ParentEvidence] = []

    def propose(self, parent, workdir, rng, on_llm_call):
        self.seen.append(parent)
        raise ProposalError("recorded")


def test_the_best_is_planned_each_change_that_paid_elsewhere_once_per_line(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    best = add(archive, tmp_path, seed, 0.4, A=2)  # +0.2, the best
    small = add(archive, tmp_path, seed, 0.25, B=2)  # +0.05
    large = add(archive, tmp_path, seed, 0.3, C=2)  # +0.1
    planner = Planner(books, seed=5, graft_best=True)

    first = planner.plan(children=2)
    assert first.parents[0] == best and first.grafts == ((0, large),), "the largest gain first"
    assert first.graft_of(0) == large and first.graft_of(1) is None
    second = planner.plan(children=2)
    assert second.parents[0] == best and second.grafts == ((0, small),)
    third = planner.plan(children=2)
    assert third.grafts == (), "every change was planned onto this best once"
    assert Planner(books, seed=5, graft_best=True).plan(children=2).grafts == (), (
        "a later daemon reads the pairs already planned from the event log"
    )

    leader = add(archive, tmp_path, large, 0.5, C=2, B=3)  # a new best, on the C=2 branch
    fourth = planner.plan(children=2)
    assert fourth.parents[0] == leader
    assert fourth.grafts == ((0, best),), "the new best may receive what the old one found"
    assert len(fourth.parents) == 2

    heir = add(archive, tmp_path, best, 0.6, A=3)  # a new best, descended from the old one
    assert planner.plan(children=2).grafts == ((0, leader),)
    assert planner.plan(children=2).grafts == (), (
        "what its ancestor was planned (large, small) is not planned again on its line"
    )
    assert archive.best_node().id == heir


def test_a_change_the_best_holds_is_not_planned_as_a_graft_of_it_nor_as_itself(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    found = add(archive, tmp_path, seed, 0.3, A=2)  # +0.1: the change A=2
    best = add(archive, tmp_path, found, 0.5, A=2, C=2)  # +0.2, holds A=2 by descent
    other = add(archive, tmp_path, seed, 0.25, B=2)  # +0.05
    copy = add(archive, tmp_path, other, 0.45, grafted_from=found, A=2, B=2)  # +0.2
    planner = Planner(books, seed=5, graft_best=True)

    assert planner.plan(children=2).grafts == ((0, other),), (
        "the graft of A=2 has the largest gain outside the best's lineage, but the best holds "
        "its change: the next change is planned instead"
    )
    leader = add(archive, tmp_path, copy, 0.7, A=2, B=3)  # holds A=2 through the graft
    assert planner.plan(children=2).grafts == ((0, best),)
    assert planner.plan(children=2).grafts == (), (
        "node `found` made A=2, which the leader received as a graft: not planned again"
    )
    assert archive.best_node().id == leader


def test_a_change_the_best_made_itself_or_that_conflicts_with_it_is_passed_over(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    best = add(archive, tmp_path, seed, 0.5, A=2)  # +0.3
    twin = add(archive, tmp_path, seed, 0.45, A=2)  # +0.25: the best's edit, made again
    clash = add(archive, tmp_path, seed, 0.4, A=3)  # +0.2: another value on the best's line
    small = add(archive, tmp_path, seed, 0.25, B=2)  # +0.05
    planner = Planner(books, seed=5, graft_best=True)

    assert planner.plan(children=2).grafts == ((0, small),), (
        f"node {twin} made the change the best holds, and node {clash}'s change conflicts with "
        "it: neither would change the best, so the smallest change, which would, is planned"
    )
    assert planner.plan(children=2).grafts == ()
    assert archive.best_node().id == best


def test_no_graft_is_planned_when_grafts_are_off_or_the_source_tampered(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    add(archive, tmp_path, seed, 0.4, A=2)
    forger = add(archive, tmp_path, seed, 0.3, B=2)
    archive.record_evaluation(forger, stage=0, task_id="t", outcome=Outcome.TAMPERED)

    assert Planner(books, seed=5, graft_best=False).plan(children=2).grafts == ()
    assert Planner(books, seed=5, graft_best=True).plan(children=2).grafts == (), (
        "a change from a node caught tampering is never passed on"
    )


def test_a_planned_slot_gets_exactly_its_change_and_asks_for_the_graft_kind(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    best = add(archive, tmp_path, seed, 0.4, A=2)
    small = add(archive, tmp_path, seed, 0.25, B=2)
    large = add(archive, tmp_path, seed, 0.3, C=2)
    plan = Planner(books, seed=5, graft_best=True).plan(children=2)
    planned = archive.add_node(
        parent_id=best, commit_sha="", proposal={"generation": 1, "slot": 0, "graft_of": large}
    )
    drawn = archive.add_node(parent_id=small, commit_sha="", proposal={"generation": 1, "slot": 1})
    recorder = Recorder()
    with ThreadPoolExecutor(1) as pool:
        phase = proposing(books, recorder, tmp_path / "scratch", pool)
        with contextlib.ExitStack() as held:
            for child in (archive.node(planned), archive.node(drawn)):
                parent_dir = held.enter_context(books.checkout(child.parent_id or 0))
                grafts = phase._grafts(child, held)
                draft = phase._draft(child, parent_dir, (), grafts)
                assert draft.error == "ProposalError: recorded"
            on_best, on_other = recorder.seen
            assert plan.grafts == ((0, large),)
            assert [(g.node_id, round(g.gain, 3)) for g in on_best.grafts] == [(large, 0.1)]
            assert on_best.prefer == ("graft",)
            after = on_best.grafts[0].after_dir / "config.py"
            assert "C = 2" in after.read_text(), "the source's own tree, with its parent's"
            assert "C = 1" in (on_best.grafts[0].before_dir / "config.py").read_text()
            assert on_other.prefer == ()
            # Drawn by the policy: the changes that could make it the new best, as before
            # (0.25 + 0.2 passes 0.4; 0.25 + 0.1 does not).
            assert [g.node_id for g in on_other.grafts] == [best]
