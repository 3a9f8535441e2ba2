"""A child with the code of an archive member is never validated or evaluated again: its score
is known. The proposer is asked again, told that change was tried; when every try duplicates,
the child fails, saying what it duplicated."""

from __future__ import annotations

import contextlib
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import Config
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import JsonReporter
from godelbox.loop.proposing import DUPLICATE_RETRIES, Draft, Proposing
from godelbox.proposer.base import Proposal, ProposalError
from godelbox.trash import Trash
from tests.daemon.nodes import add, agent


class Scripted:
    """Proposes the first listed change (a description and the child's config values) whose
    description the parent has not been tried with, as the offline kinds do."""

    def __init__(self, changes: list[tuple[str, dict[str, int]]]) -> None:
        self.changes = changes
        self.tried: list[tuple[str, ...]] = []

    def propose(self, parent, workdir, rng, on_llm_call) -> Proposal:
        self.tried.append(parent.tried)
        for description, values in self.changes:
            if description not in parent.tried:
                child = agent(workdir, "child", **values)
                return Proposal(child, "toy", {"description": description})
        raise ProposalError("every change was tried")


def loop_parts(archive: Archive, proposer, validate) -> SimpleNamespace:
    """What `Proposing` uses of the loop's parts; `validate` gets each proposal."""
    return SimpleNamespace(
        archive=archive,
        proposer=proposer,
        config=Config(),
        ctx=SimpleNamespace(trash=Trash()),
        validate=lambda parent_dir, proposal: validate(proposal),
        reporter=JsonReporter(io.StringIO()),
    )


def draft(archive: Archive, books: Bookkeeper, tmp_path: Path, parent: int, proposer) -> Draft:
    """One child of `parent`, in a generation after every node so far, drafted as the loop
    does, checking that validation ran exactly when there was a proposal."""
    child = archive.add_node(parent_id=parent, commit_sha="", proposal={"generation": 9, "slot": 0})
    validated: list[Proposal] = []
    parts = loop_parts(archive, proposer, lambda proposal: validated.append(proposal) or "valid")
    with ThreadPoolExecutor(1) as pool, contextlib.ExitStack() as held:
        proposing = Proposing(parts, books, tmp_path / "scratch", pool, {}, {})  # type: ignore[arg-type]
        parent_dir = held.enter_context(books.checkout(parent))
        drafted = proposing._draft(archive.node(child), parent_dir, ())
    assert drafted.validation == ("valid" if validated else None)
    return drafted


def test_a_child_that_remakes_an_archive_member_is_proposed_again(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)
    proposer = Scripted([("take back A", {"A": 1}), ("B 1 -> 2", {"A": 2, "B": 2})])

    drafted = draft(archive, books, tmp_path, parent, proposer)

    assert drafted.proposal is not None, drafted.error
    assert drafted.proposal.info["description"] == "B 1 -> 2"
    assert drafted.proposal.info["duplicates"] == [{"of": seed, "description": "take back A"}]
    assert "B = 2" in (drafted.proposal.child_dir / "config.py").read_text()
    assert proposer.tried == [(), ("take back A",)], "the second ask says what was tried"


def test_a_child_that_only_remakes_members_fails_without_validation(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)
    other = add(archive, tmp_path, seed, 0.25, B=2)
    remakes = [("take back A", {"A": 1}), ("B 1 -> 2 on A=1", {"B": 2}), ("A 2 -> 2", {"A": 2})]
    proposer = Scripted([*remakes, ("C 1 -> 2", {"A": 2, "C": 2})])

    drafted = draft(archive, books, tmp_path, parent, proposer)

    assert len(remakes) == DUPLICATE_RETRIES + 1
    assert drafted.proposal is None and drafted.validation is None
    assert drafted.error == (
        "ProposalError: 3 proposals in a row made the code of an archive member: "
        f"take back A (node {seed}); B 1 -> 2 on A=1 (node {other}); A 2 -> 2 (node {parent})"
    )


def propose_generation(
    archive: Archive, books: Bookkeeper, tmp_path: Path, parent: int, sessions: list[list[int]]
) -> tuple[int, int]:
    """Two children of `parent` in one generation, both first proposing the same change, made
    in `sessions` (lists of slots, each drafted by its own `Proposing`, as a daemon resumed
    between them would)."""
    proposer = Scripted([("B 1 -> 2", {"A": 2, "B": 2}), ("C 1 -> 2", {"A": 2, "C": 2})])
    children = [
        archive.add_node(parent_id=parent, commit_sha="", proposal={"generation": 9, "slot": slot})
        for slot in (0, 1)
    ]
    valid = SimpleNamespace(
        ok=True, reason="", diff_stats=SimpleNamespace(files=1, insertions=1, deletions=1)
    )
    parts = loop_parts(archive, proposer, lambda proposal: valid)
    for slots in sessions:
        with ThreadPoolExecutor(2) as pool:
            proposing = Proposing(parts, books, tmp_path / "scratch", pool, {}, {})  # type: ignore[arg-type]
            proposing.run([archive.node(children[slot]) for slot in slots])
    return children[0], children[1]


@pytest.mark.parametrize("sessions", [[[0, 1]], [[0], [1]]], ids=["together", "resumed"])
def test_siblings_never_make_the_same_child(
    archive: Archive, books: Bookkeeper, tmp_path: Path, sessions: list[list[int]]
) -> None:
    """Drafted at once, the later slot is drafted again, knowing its sibling, and gets the next
    change; the same when a resumed daemon drafts it after an earlier one recorded the first."""
    seed = add(archive, tmp_path, None, 0.2)
    parent = add(archive, tmp_path, seed, 0.3, A=2)

    first, second = (
        archive.node(n) for n in propose_generation(archive, books, tmp_path, parent, sessions)
    )

    assert first.status == second.status == NodeStatus.EVALUATING
    assert first.proposal["description"] == "B 1 -> 2" and "duplicates" not in first.proposal
    assert second.proposal["description"] == "C 1 -> 2"
    assert second.proposal["duplicates"] == [{"of": first.id, "description": "B 1 -> 2"}]
    assert archive.code.tree(first.commit_sha) != archive.code.tree(second.commit_sha)
