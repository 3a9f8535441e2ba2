"""Planning generations: parents are drawn, and the plan is written, before anything is made.

A plan is one `generation.planned` event holding the generation's number, its parents in slot
order, the grafts planned onto the best, and the selection RNG's state after drawing the
parents. Because it is written before any child exists, a daemon that crashed anywhere later
finds the generations it had left open and can finish them exactly as planned, continuing the
same RNG stream.

A planned graft gives a generation's first slot to the archive's best, to receive a change
that beat its own parent on another branch (`Archive.improvements`), each change once per line
of descent, and only one that merges into the best's code and changes it. Why: a short run
finds a few changes that pay, usually on different branches, and a graft drawn by the
proposer's bandit lands only on the parent the policy happened to draw; a planned graft joins
every change that paid with the leader as soon as it is found.

A planned screen gives a generation's last slot to the best, to receive one capability the
proposer could add to it (`Proposer.screens`: for the offline mode, each mutation operator the
template kind has a template for, and each operator family the grammar kind could add whole),
each capability once, in an order drawn from the selection RNG, until each was tried. Why:
planned grafts carry every change that paid onto the best, but only changes the bandit happened
to draw, and in a 30-minute run it drew the template kind for 5 of 22 children, two of them
removals (the run at c75a36d); no seed-0 run ever added `argument_swap`, which alone lifts the
seed from 15/63 to 18/63 on the evolution split. The screen goes to the best, not the seed: a
capability screened on the seed needs a second evaluation, a graft onto the best, before the
best holds it, and in the run at cc3a5e7 five of 23 children were such grafts while the budget
ran out with two capabilities never screened. A capability is named by its description, so
each kind describes its screens the same way for every agent. A screen never takes the
policy's last slot (see `Planner.plan`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from godelbox.archive import events
from godelbox.archive.models import AgentNode
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.proposer.code import graft

SELECTION_RNG = "selection"


@dataclass(frozen=True)
class RngState:
    """A `random.Random` state as JSON can hold it."""

    version: int
    internal: tuple[int, ...]
    gauss_next: float | None

    @classmethod
    def of(cls, rng: random.Random) -> RngState:
        version, internal, gauss = rng.getstate()
        return cls(version, tuple(internal), gauss)

    def restore(self) -> random.Random:
        rng = random.Random()
        rng.setstate((self.version, self.internal, self.gauss_next))
        return rng

    def payload(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "internal": list(self.internal),
            "gauss_next": self.gauss_next,
        }

    @classmethod
    def from_payload(cls, state: Mapping[str, Any]) -> RngState:
        return cls(int(state["version"]), tuple(state["internal"]), state["gauss_next"])


@dataclass(frozen=True)
class GenerationPlan:
    """One planned generation: child `slot` is made from `parents[slot]`."""

    generation: int
    parents: tuple[int, ...]
    rng: RngState
    """The selection RNG after drawing the parents."""
    grafts: tuple[tuple[int, int], ...] = ()
    """(slot, node id): that slot's child is planned to receive the node's change (the
    difference between the node and its parent), grafted onto the slot's parent."""
    screens: tuple[tuple[int, str, str], ...] = ()
    """(slot, kind, description): that slot's child is planned to receive the capability the
    proposal kind describes so (one of its `screens` of the slot's parent, the best)."""

    def payload(self) -> dict[str, Any]:
        """The `generation.planned` event's payload (see `archive.events`)."""
        payload: dict[str, Any] = {
            "generation": self.generation,
            "parents": list(self.parents),
            "rng": self.rng.payload(),
        }
        if self.grafts:
            payload["grafts"] = [list(pair) for pair in self.grafts]
        if self.screens:
            payload["screens"] = [list(triple) for triple in self.screens]
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> GenerationPlan:
        return cls(
            generation=int(payload["generation"]),
            parents=tuple(int(p) for p in payload["parents"]),
            rng=RngState.from_payload(payload["rng"]),
            grafts=tuple((int(slot), int(node)) for slot, node in payload.get("grafts", ())),
            screens=tuple(
                (int(slot), str(kind), str(description))
                for slot, kind, description in payload.get("screens", ())
            ),
        )

    def graft_of(self, slot: int) -> int | None:
        """The node whose change the slot's child is planned to receive, if any."""
        return dict(self.grafts).get(slot)

    def screen_of(self, slot: int) -> tuple[str, str] | None:
        """(kind, description) of the capability the slot's child is planned to receive."""
        return next(((k, d) for s, k, d in self.screens if s == slot), None)


Screens = Callable[[Path], tuple[tuple[str, str], ...]]
"""A proposer's `screens`: (kind, description) of each capability it could add to the agent
checked out at the path."""


class Planner:
    """Draws parents, writes plans, and finds the plans a previous daemon left unfinished."""

    def __init__(
        self,
        books: Bookkeeper,
        seed: int,
        graft_best: bool = False,
        screens: Screens | None = None,
    ) -> None:
        self._books = books
        self._archive = books.archive
        self._seed = seed
        self._graft_best = graft_best
        """Whether plans may give a slot to the best to receive a change that paid elsewhere."""
        self._grafted: set[tuple[int, int]] = set()
        """(target, source) of every graft planned so far, by any session."""
        self._screens = screens
        """What capabilities the proposer could add to an agent; None: no screens are planned."""
        self._offered: dict[int, tuple[tuple[str, str], ...]] = {}
        """The screens of each node that was the best, read once per session (a node's code
        never changes)."""
        self._screened: set[str] = set()
        """Descriptions of every screen planned so far, by any session."""
        self._seq = 0
        self._newest: GenerationPlan | None = None
        self._unfinished: dict[int, GenerationPlan] = {}
        """Plans without a `generation.finished` event: only these and the newest are kept (a
        plan holds the whole RNG state, and a daemon plans thousands of generations)."""
        self._fresh: set[int] = set()
        """Generations planned by this session: they cannot have children from a crash."""

    def newest(self) -> GenerationPlan | None:
        """The newest generation planned so far, by any session (None before the first)."""
        return self._read()[0]

    def is_fresh(self, generation: int) -> bool:
        return generation in self._fresh

    def open_plans(self) -> list[GenerationPlan]:
        """Generations planned but not finished when the last daemon stopped. The selection
        RNG is put back to the state after the newest plan, in case the crash came between
        writing the plan and saving the RNG."""
        newest, unfinished = self._read()
        if newest is not None:
            self._books.write(self._archive.save_rng, SELECTION_RNG, newest.rng.restore())
        return unfinished

    def plan(self, children: int) -> GenerationPlan:
        """Draw the parents of the next generation and write the plan before acting on it."""
        with self._books.lock:
            newest, _ = self._read()
            generation = newest.generation + 1 if newest is not None else 1
            rng = self._archive.load_rng(SELECTION_RNG) or random.Random(self._seed)
            # A screen never takes the policy's last slot: the code-level kinds, drawn there,
            # find what generalises (the operator families), and a run that screened in every
            # generation (7bc9425) never drew them. With one slot besides the policy's, a due
            # screen goes before a due graft: each capability is screened once, so screens end,
            # while grafts come with every change that pays; in the run at 4b9a834 the grafts
            # held back the last screens (five of six screens beat their parent, one of three
            # grafts), and the one that paid most was screened in the generation in flight
            # when the budget ran out.
            # Both go to the best: it is read once, and there is none before the seed's score.
            best = self._archive.best_node()
            best_id = best.id if best is not None else None
            screen = self._screen_due(rng, best_id) if children >= 2 else None
            due = self._graft_due(best_id) if screen is None or children >= 3 else None
            parents: list[int] = []
            grafts: tuple[tuple[int, int], ...] = ()
            if due is not None:
                parents, grafts = [due[0]], ((0, due[1]),)
            drawn = children - len(parents) - (screen is not None)
            parents += self._archive.select_parents(rng, drawn)
            screens: tuple[tuple[int, str, str], ...] = ()
            if screen is not None:
                target, kind, description = screen
                screens = ((len(parents), kind, description),)
                parents.append(target)
            plan = GenerationPlan(generation, tuple(parents), RngState.of(rng), grafts, screens)
            self._archive.append_event(events.GENERATION_PLANNED, None, plan.payload())
            self._archive.save_rng(SELECTION_RNG, rng)
            self._fresh.add(generation)
        return plan

    def _graft_due(self, best: int | None) -> tuple[int, int] | None:
        """(best, source): the largest change that beat its parent, that the best neither
        holds (made or grafted by its lineage) nor was planned onto it or an ancestor, counting
        a graft of a change as that change (`_origin`), and that merges into the best's code
        and changes it (`_lands`); None when there is none (or grafts are off). Once per line
        of descent, because an ancestor that was planned the change either received it (the
        best holds it), could not take it (a conflict), or gained nothing from it: in the run
        at 872f740 a change the best held already was planned again onto each new best, and
        each time the slot fell back to the bandit."""
        if not self._graft_best or best is None:
            return None
        line = set(self._archive.graph().lineage(best))
        held = {self._origin(node) for node in line}
        planned = {self._origin(source) for target, source in self._grafted if target in line}
        for node, _gain in self._archive.improvements(None, outside_lineage_of=best):
            origin = self._origin(node.id or 0)
            if origin not in held and origin not in planned and self._lands(best, node):
                return best, node.id or 0
        return None

    def _screen_due(self, rng: random.Random, best: int | None) -> tuple[int, str, str] | None:
        """(best, kind, description): a capability the proposer could add to the best that no
        plan gave any node yet and no child of the best received, drawn with the selection RNG;
        None when there is none (or screens are off)."""
        if self._screens is None or best is None:
            return None
        if best not in self._offered:
            with self._books.checkout(best) as agent_dir:
                self._offered[best] = tuple(self._screens(agent_dir))
        made = {
            str(child.proposal.get("description"))
            for child in map(self._archive.node, self._archive.graph().children(best))
            if child.proposal
        }
        left = [s for s in self._offered[best] if s[1] not in self._screened and s[1] not in made]
        if not left:
            return None
        kind, description = rng.choice(left)
        return best, kind, description

    def _lands(self, best: int, source: AgentNode) -> bool:
        """Whether the source's change merges into the best's code and changes it. Why: in the
        run at dbe9e3f four of six planned slots fell back to the bandit because the best held
        the same edit made by another node (two nodes added the boolean family each), which
        no link between nodes tells; and a change that conflicts with the best's code would
        fall back the same way, while a change the best lacks waited behind it."""
        checkout = self._books.checkout
        with (
            checkout(best) as mine,
            checkout(source.parent_id or 0) as before,
            checkout(source.id or 0) as after,
        ):
            return graft.lands(mine, before, after)

    def _origin(self, node_id: int) -> int:
        """The node that first made the change `node_id` made: a graft's change is its
        source's, followed back through grafts of grafts. Why: in the run at 2ed7ba4 the
        change planned onto the best (node 23, a graft of node 19's `TOP_LINES` step) was one
        the best held from its ancestor 19, so the slot fell back to the bandit, and the change
        the best lacked (the arithmetic family) was never planned before the budget ran out."""
        seen = set()
        while node_id not in seen:
            seen.add(node_id)
            source = (self._archive.node(node_id).proposal or {}).get(graft.SOURCE)
            if not isinstance(source, int):
                break
            node_id = source
        return node_id

    def _read(self) -> tuple[GenerationPlan | None, list[GenerationPlan]]:
        """The newest planned generation, and the generations planned but not finished, oldest
        first. Read incrementally: only events newer than the last call are fetched."""
        for event in self._archive.events(after_seq=self._seq):
            self._seq = event.seq or self._seq
            if event.kind == events.GENERATION_PLANNED and event.payload:
                self._newest = GenerationPlan.from_payload(event.payload)
                self._unfinished[self._newest.generation] = self._newest
                for slot, source in self._newest.grafts:
                    self._grafted.add((self._newest.parents[slot], source))
                self._screened.update(description for _, _, description in self._newest.screens)
            elif event.kind == events.GENERATION_FINISHED and event.payload:
                self._unfinished.pop(int(event.payload["generation"]), None)
        return self._newest, [self._unfinished[g] for g in sorted(self._unfinished)]
