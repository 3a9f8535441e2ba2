"""A child with the code of an archive member is never validated or evaluated again: its score
is known. A proposer that is cheap to ask (`redraws`) is asked again, told the change was
tried; otherwise, or when every try remakes a member, the child is recorded invalid, saying
which member it remakes."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from godelbox.archive.models import AgentNode, NodeStatus
from godelbox.archive.store import Archive
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import JsonReporter
from godelbox.proposer.base import Proposal, ProposalError
from tests.daemon.nodes import add, agent, proposing

VALID = SimpleNamespace(
    ok=True, reason="valid", diff_stats=SimpleNamespace(files=1, insertions=1, deletions=1)
)


class Scripted:
    """Proposes the first listed change (a description and the child's config values) whose
    description the parent has not been tried with, as the offline kinds do."""

    def __init__(self, changes: list[tuple[str, dict[str, int]]], redraws: int = 2) -> None:
        self.changes = changes
        self.redraws = redraws
        self.tried: list[tuple[str, ...]] = []

    def propose(self, parent, workdir, rng, on_llm_call) -> Proposal:
        self.tried.append(parent.tried)
        for description, values in self.changes:
            if description not in parent.tried:
                child = agent(workdir, "child", **values)
                return Proposal(child, "toy", {"description": description})
        raise ProposalError("every change was tried")


def generation(
    archive: Archive,
    books: Bookkeeper,
    tmp_path: Path,
    parent: int,
    proposer: Scripted,
    sessions: list[list[int]],
) -> tuple[list[AgentNode], list[Proposal]]:
    """Children of `parent` in one generation after every node so far, one per slot named in
    `sessions`, each session drafted by its own `Proposing` (as a daemon resumed between them
    would). Returns the children as recorded and the proposals validation was asked about."""
    slots = sorted(slot for session in sessions for slot in session)
    ids = [
        archive.add_node(parent_id=parent, commit_sha="", proposal={"generation": 9, "slot": slot})
        for slot in slots
    ]
    validated: list[Proposal] = []
    for session in sessions:
        with ThreadPoolExecutor(2) as pool:
            phase = proposing(
                books,
                proposer,
                tmp_path / "scratch",
                pool,
                validate=lambda parent_dir, proposal: validated.append(proposal) or VALID,
                reporter=JsonReporter(io.StringIO()),
            )
            phase.run([archive.node(ids[slot]) for slot in session])
    return [archive.node(i) for i in ids], validated


def test_a_child_that_remakes_an_archive_member_is_proposed_again(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)
    proposer = Scripted([("take back A", {"A": 1}), ("B 1 -> 2", {"A": 2, "B": 2})])

    [child], validated = generation(archive, books, tmp_path, parent, proposer, [[0]])

    assert child.status == NodeStatus.EVALUATING
    assert child.proposal["description"] == "B 1 -> 2"
    assert child.proposal["duplicates"] == [{"of": seed, "description": "take back A"}]
    assert [p.info["description"] for p in validated] == ["B 1 -> 2"]
    assert proposer.tried == [(), ("take back A",)], "the second ask says what was tried"


def test_a_child_that_only_remakes_members_is_recorded_invalid_unvalidated(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)
    other = add(archive, tmp_path, seed, 0.25, B=2)
    third = add(archive, tmp_path, seed, 0.1, C=3)
    remakes = [("take back A", {"A": 1}), ("B on A=1", {"B": 2}), ("C on A=1", {"C": 3})]
    proposer = Scripted([*remakes, ("C 1 -> 2", {"A": 2, "C": 2})])

    [child], validated = generation(archive, books, tmp_path, parent, proposer, [[0]])

    assert len(proposer.tried) == proposer.redraws + 1 and validated == []
    assert child.status == NodeStatus.INVALID and child.commit_sha
    assert child.reason == f"the code of node {third}, whose score is known"
    assert [d["of"] for d in child.proposal["duplicates"]] == [seed, other]
    assert archive.code.tree(child.commit_sha) == archive.code.tree(archive.node(third).commit_sha)


def test_a_proposer_that_is_costly_to_ask_is_asked_once(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    """A model's proposal is not redrawn: its remake is recorded as such, and a child with its
    parent's code still goes to validation (which says "empty diff")."""
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)
    remake = Scripted([("take back A", {"A": 1}), ("B 1 -> 2", {"A": 2, "B": 2})], redraws=0)
    same = Scripted([("nothing", {"A": 2})], redraws=0)

    [child], validated = generation(archive, books, tmp_path, parent, remake, [[0]])
    [unchanged], also_validated = generation(archive, books, tmp_path, parent, same, [[0]])

    assert remake.tried == [()] and validated == []
    assert child.status == NodeStatus.INVALID
    assert child.reason == f"the code of node {seed}, whose score is known"
    assert [p.info["description"] for p in also_validated] == ["nothing"]
    assert unchanged.status == NodeStatus.EVALUATING, "validation decides (here: valid)"


@pytest.mark.parametrize("sessions", [[[0, 1]], [[0], [1]]], ids=["together", "resumed"])
def test_siblings_never_make_the_same_child(
    archive: Archive, books: Bookkeeper, tmp_path: Path, sessions: list[list[int]]
) -> None:
    """Two children of one parent in one generation both first propose the same change. Drafted
    at once, the later slot is drafted again, knowing its sibling, and gets the next change;
    the same when a resumed daemon drafts it after an earlier one recorded the first."""
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)
    proposer = Scripted([("B 1 -> 2", {"A": 2, "B": 2}), ("C 1 -> 2", {"A": 2, "C": 2})])

    [first, second], _ = generation(archive, books, tmp_path, parent, proposer, sessions)

    assert first.status == second.status == NodeStatus.EVALUATING
    assert first.proposal["description"] == "B 1 -> 2" and "duplicates" not in first.proposal
    assert second.proposal["description"] == "C 1 -> 2"
    assert second.proposal["duplicates"] == [{"of": first.id, "description": "B 1 -> 2"}]
    assert archive.code.tree(first.commit_sha) != archive.code.tree(second.commit_sha)
