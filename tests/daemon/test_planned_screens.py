"""Planned screens: while the proposer lists capabilities it could add to the best, a
generation's last slot goes to the best to receive one of them, each capability once, and the
child's proposal asks for exactly that change from the kind that listed it."""

from __future__ import annotations

import contextlib
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.config import Config, dump_toml
from godelbox.loop.bookkeeping import Bookkeeper
from godelbox.loop.display import JsonReporter
from godelbox.loop.planning import GenerationPlan, Planner
from godelbox.loop.stopping import StopRequest
from godelbox.trash import Trash
from tests.daemon.nodes import add, proposing
from tests.daemon.test_planned_grafts import Recorder

CAPABILITIES = (("template", "add X"), ("template", "add Y"), ("template", "add Z"))


class Listing:
    """The screens of a proposer that can add X, Y and Z to any agent; records what it read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, agent_dir: Path) -> tuple[tuple[str, str], ...]:
        self.read.append((agent_dir / "config.py").read_text())
        return CAPABILITIES


def test_each_capability_goes_to_the_best_once_in_the_last_slot(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    best = add(archive, tmp_path, seed, 0.3, A=2)
    listing = Listing()
    planner = Planner(books, seed=5, screens=listing)

    plans = [planner.plan(children=3) for _ in range(2)]
    for plan in plans:
        assert len(plan.parents) == 3 and plan.parents[2] == best
        assert [slot for slot, _, _ in plan.screens] == [2]
        assert plan.screen_of(2) is not None and plan.screen_of(0) is None
    assert listing.read == ["A = 2\nB = 1\nC = 1\n"], "the best's code, read once"

    newer = add(archive, tmp_path, best, 0.4, A=3)
    last = planner.plan(children=3)
    assert last.parents[2] == newer, "the screen follows the best"
    assert listing.read[1:] == ["A = 3\nB = 1\nC = 1\n"], "the new best's code, read once"
    screened = sorted(plan.screens[0][2] for plan in [*plans, last])
    assert screened == ["add X", "add Y", "add Z"], "no capability twice, whichever the best"

    after = planner.plan(children=3)
    assert after.screens == (), "every capability was planned once"
    assert Planner(books, seed=5, screens=Listing()).plan(children=3).screens == (), (
        "a later daemon reads the screens already planned from the event log"
    )
    resumed = GenerationPlan.from_payload(plans[0].payload())
    assert resumed.screens == plans[0].screens


def test_the_screens_order_is_drawn_from_the_seeded_stream(tmp_path: Path) -> None:
    def order(seed: int, name: str = "") -> list[str]:
        run = tmp_path / f"seed-{seed}{name}"
        with Archive.create(run / "run", dump_toml(Config())) as archive:
            add(archive, run, None, 0.2)
            books = Bookkeeper(
                archive, JsonReporter(io.StringIO()), run / "scratch", Trash(), StopRequest()
            )
            planner = Planner(books, seed=seed, screens=Listing())
            return [planner.plan(children=2).screens[0][2] for _ in range(3)]

    orders = [order(seed) for seed in range(6)]
    assert all(sorted(o) == ["add X", "add Y", "add Z"] for o in orders)
    assert len({tuple(o) for o in orders}) > 1, "not the listing's order every time"
    assert order(3, "-again") == orders[3], "the same seed, the same order"


def test_no_screen_with_one_child_or_for_a_capability_the_best_already_received(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    drawn = archive.add_node(
        parent_id=seed, commit_sha="", proposal={"kind": "template", "description": "add Y"}
    )
    archive.set_status(drawn, NodeStatus.EVALUATED, score=0.1)

    assert Planner(books, seed=5, screens=Listing()).plan(children=1).screens == (), (
        "a single slot is the policy's: a screen would take every generation"
    )
    planner = Planner(books, seed=5, screens=Listing())
    planned = {planner.plan(children=2).screens[0][2] for _ in range(2)}
    assert planned == {"add X", "add Z"}, "the bandit gave the best Y already"
    assert planner.plan(children=2).screens == ()
    assert Planner(books, seed=5).plan(children=2).screens == (), "screens off"


def test_a_screen_never_takes_the_policys_last_slot_and_goes_before_a_graft(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    best = add(archive, tmp_path, seed, 0.4, A=2)
    found = add(archive, tmp_path, seed, 0.3, B=2)
    other = add(archive, tmp_path, seed, 0.25, C=2)

    planner = Planner(books, seed=5, graft_best=True, screens=Listing())
    two = planner.plan(children=2)
    assert two.grafts == () and two.parents[1] == best and two.screen_of(1) is not None, (
        "one slot besides the policy's: the screen goes first, the graft waits"
    )
    assert two.screen_of(0) is None, "the policy draws the first slot"
    three = planner.plan(children=3)
    assert three.parents[0] == best and three.grafts == ((0, found),)
    assert three.parents[2] == best and three.screen_of(2) is not None
    assert three.screen_of(1) is None, "the policy draws the middle slot"

    last = planner.plan(children=2)
    assert last.screens != () and last.grafts == ()
    assert planner.plan(children=2).grafts == ((0, other),), "every screen planned: grafts"


def test_a_screened_slot_asks_its_kind_for_exactly_that_capability(
    archive: Archive, books: Bookkeeper, tmp_path: Path
) -> None:
    seed = add(archive, tmp_path, None, 0.2)
    screened = archive.add_node(
        parent_id=seed,
        commit_sha="",
        proposal={"generation": 1, "slot": 1, "screen": ["template", "add Z"]},
    )
    drawn = archive.add_node(parent_id=seed, commit_sha="", proposal={"generation": 1, "slot": 0})
    recorder = Recorder()
    with ThreadPoolExecutor(1) as pool:
        phase = proposing(books, recorder, tmp_path / "scratch", pool)
        with contextlib.ExitStack() as held:
            for child in (archive.node(screened), archive.node(drawn)):
                parent_dir = held.enter_context(books.checkout(child.parent_id or 0))
                draft = phase._draft(child, parent_dir, ())
                assert draft.error == "ProposalError: recorded"
    on_screen, on_drawn = recorder.seen
    assert (on_screen.screen, on_screen.prefer) == ("add Z", ("template",))
    assert (on_drawn.screen, on_drawn.prefer) == ("", ())
