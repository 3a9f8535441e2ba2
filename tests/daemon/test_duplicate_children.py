"""A child with the code of an archive member is never validated or evaluated again: its score
is known. The proposer is asked again, told that change was tried; when every try duplicates,
the child fails, saying what it duplicated."""

from __future__ import annotations

import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

from godelbox.archive.store import Archive
from godelbox.config import Config
from godelbox.loop.bookkeeping import Bookkeeper
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


def draft(archive: Archive, books: Bookkeeper, tmp_path: Path, parent: int, proposer) -> Draft:
    """One child of `parent`, in a generation after every node so far, drafted as the loop
    does; returns the draft and records what validation was asked to check."""
    child = archive.add_node(parent_id=parent, commit_sha="", proposal={"generation": 9, "slot": 0})
    validated: list[Proposal] = []
    parts = SimpleNamespace(
        archive=archive,
        proposer=proposer,
        config=Config(),
        ctx=SimpleNamespace(trash=Trash()),
        validate=lambda parent_dir, proposal: validated.append(proposal) or "valid",
    )
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
