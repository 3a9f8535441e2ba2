"""The TUI driven headlessly by Textual's pilot, on archives built with the real Archive API."""

from __future__ import annotations

import asyncio
import html
import io
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input, Static

from godelbox.archive.models import NodeStatus
from godelbox.archive.store import Archive
from godelbox.tui.app import ArchiveApp
from godelbox.tui.screens import ChartScreen, KeysScreen, TaskLogScreen
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.reader import ArchiveReader
from godelbox.views.records import NodeSummary
from godelbox.views.synthetic_archive import BuiltArchive, task_log

REPO = Path(__file__).resolve().parents[2]
SIZE = (160, 50)


def run_app(
    run_dir: Path,
    script: Callable[[ArchiveApp, Pilot], Awaitable[None]],
    refresh_s: float = 0,
    size: tuple[int, int] = SIZE,
) -> None:
    reader = ArchiveReader.open(run_dir)

    async def drive() -> None:
        app = ArchiveApp(reader, NodeDiffs.for_run(reader), refresh_s=refresh_s)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    try:
        asyncio.run(drive())
    finally:
        reader.close()


def pane_text(app: ArchiveApp, selector: str) -> str:
    console = Console(width=SIZE[0], record=True, file=io.StringIO(), color_system=None)
    console.print(app.query_one(selector, Static).content)
    return console.export_text()


def cursor_id(app: ArchiveApp) -> int | None:
    node = app.tree.cursor_node
    return node.data.id if node is not None and isinstance(node.data, NodeSummary) else None


def shown_ids(app: ArchiveApp) -> set[int]:
    return {
        node.data.id
        for node in app.tree._by_id.values()  # every node the tree currently holds
        if isinstance(node.data, NodeSummary)
    }


def lineage_of(built: BuiltArchive, node_id: int) -> list[int]:
    chain = [node_id]
    while (parent := built.nodes[chain[-1]].parent_id) is not None:
        chain.append(parent)
    return chain[::-1]


def revealed(built: BuiltArchive, node_id: int) -> set[int]:
    """What the tree holds after revealing `node_id` from a fresh start: the seed and the
    children of every ancestor (each loaded when expanded), nothing deeper."""
    chain = lineage_of(built, node_id)
    return {chain[0]}.union(*(built.children(a) for a in chain[:-1]))


async def go_to_seed(app: ArchiveApp, pilot: Pilot) -> None:
    app.tree.reveal(min(app.tree._by_id))
    await pilot.pause()


def by_score(built: BuiltArchive, ids: list[int]) -> list[int]:
    return sorted(
        ids, key=lambda i: (built.nodes[i].score is None, -(built.nodes[i].score or 0), i)
    )


def test_open_navigate_and_select_shows_diff_and_scores(generated_archive: BuiltArchive) -> None:
    built = generated_archive
    seed = min(built.nodes)
    first_child = by_score(built, built.children(seed))[0]

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        header = pane_text(app, "#header")
        assert f"{len(built.nodes)} nodes" in header
        assert f"(#{built.best_id})" in header
        # It opens on the best node, its lineage expanded; lazily: nothing else is loaded.
        assert cursor_id(app) == built.best_id
        assert shown_ids(app) == revealed(built, built.best_id)

        await go_to_seed(app, pilot)
        assert cursor_id(app) == seed
        await pilot.press("down")
        await pilot.pause()
        assert cursor_id(app) == first_child
        detail = pane_text(app, "#detail")
        plan, parent = built.nodes[first_child], built.nodes[seed]
        assert f"node #{first_child}" in detail
        assert f"score {plan.score:.3f}" in detail
        changed = [
            (old, new)
            for old, new in zip(parent.source.splitlines(), plan.source.splitlines(), strict=True)
            if old != new
        ]
        for old, new in changed:
            assert f"-{old}" in detail and f"+{new}" in detail
        assert "scores per stage" in detail and "per-task outcomes" in detail
        for task in plan.outcomes:
            assert task in detail
        assert plan.proposal["diagnosis"] in detail
        assert "LLM calls" in detail and "implement" in detail

        # Expanding a node loads its children (sorted best first) on demand.
        if built.children(first_child):
            await pilot.press("space")
            await pilot.pause()
            tree_node = app.tree.node_for(first_child)
            assert tree_node is not None
            loaded = [c.data.id for c in tree_node.children if isinstance(c.data, NodeSummary)]
            assert loaded == by_score(built, built.children(first_child))

    run_app(built.run_dir, script)


def test_jump_to_best_then_parent(generated_archive: BuiltArchive) -> None:
    built = generated_archive
    best = built.nodes[built.best_id]

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        await go_to_seed(app, pilot)
        await pilot.press("b")
        await pilot.pause()
        assert cursor_id(app) == built.best_id
        assert app.shown is not None and app.shown.summary.id == built.best_id
        cursor = app.tree.cursor_node
        assert cursor is not None and "★ best" in str(cursor.label)
        await pilot.press("p")
        await pilot.pause()
        assert cursor_id(app) == best.parent_id
        assert app.shown is not None and app.shown.summary.id == best.parent_id

    run_app(built.run_dir, script)


def test_filter_by_status_text_and_score(generated_archive: BuiltArchive) -> None:
    built = generated_archive
    invalid = {n.id for n in built.nodes.values() if n.status is NodeStatus.INVALID}
    assert invalid, "the builder makes some invalid nodes"

    def ancestors(ids: set[int]) -> set[int]:
        out: set[int] = set()
        for node_id in ids:
            parent = built.nodes[node_id].parent_id
            while parent is not None:
                out.add(parent)
                parent = built.nodes[parent].parent_id
        return out

    async def apply(app: ArchiveApp, pilot: Pilot, line: str) -> None:
        await pilot.press("slash")
        box = app.query_one("#filter", Input)
        assert box.has_focus
        box.value = line
        await pilot.press("enter")
        await pilot.pause()

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        await apply(app, pilot, "status:invalid")
        assert shown_ids(app) == invalid | ancestors(invalid)
        assert "filter: status invalid" in pane_text(app, "#header")

        word = built.nodes[max(built.nodes)].proposal["problem_description"].split()[1]
        with_word = {n.id for n in built.nodes.values() if word in " ".join(n.proposal.values())}
        await apply(app, pilot, f"{word} score:0.5..")
        wanted = {i for i in with_word if (built.nodes[i].score or 0) >= 0.5}
        assert wanted
        assert shown_ids(app) == wanted | ancestors(wanted)

        # A malformed filter is refused and the previous one stays.
        before = shown_ids(app)
        await apply(app, pilot, "score:abc")
        assert shown_ids(app) == before

        # Esc clears the filter and keeps the cursor on the node it was on.
        kept = cursor_id(app)
        assert kept is not None
        await pilot.press("escape")
        await pilot.pause()
        assert cursor_id(app) == kept
        assert shown_ids(app) == revealed(built, kept)

    run_app(built.run_dir, script)


WRITER = """
import sys
from pathlib import Path
from godelbox.archive.store import Archive
from godelbox.views.synthetic_archive import TASKS, NodePlan, add_child, evaluate, mutate

archive = Archive.open(Path(sys.argv[1]))
seed = archive.node(1)
source = archive.code.diff(seed.commit_sha, seed.commit_sha)  # exercise the store
plan = NodePlan(1, None, sys.argv[2], seed.status)
child = add_child(archive, plan, mutate(sys.argv[2], 7, 4242), {"diagnosis": "from another writer"})
evaluate(archive, child, set(TASKS))
print(child.id)
archive.close()
"""


def test_node_written_by_another_process_appears_on_refresh(fresh_archive: BuiltArchive) -> None:
    """The live-refresh timer (0.2 s here) picks the node up; nothing is pressed."""
    built = fresh_archive
    seed = min(built.nodes)

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        before = {i: app.tree.node_for(i) for i in shown_ids(app)}
        new_id = int(
            subprocess.run(
                [sys.executable, "-c", WRITER, str(built.run_dir), built.nodes[seed].source],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
        )
        for _ in range(100):  # up to 10 s on a loaded machine
            if app.tree.node_for(new_id) is not None:
                break
            await pilot.pause(0.1)
        new_node = app.tree.node_for(new_id)
        assert new_node is not None and new_node.parent is app.tree.node_for(seed)
        # Patched in place, not reloaded: every tree node from before is the same object.
        assert all(app.tree.node_for(i) is node for i, node in before.items())
        # Sorted by score: the all-resolved child goes first among the seed's children.
        assert new_node.parent is not None and new_node.parent.children[0] is new_node
        assert app.tree.best_id == new_id
        header = pane_text(app, "#header")
        assert f"{len(built.nodes) + 1} nodes" in header and f"(#{new_id})" in header

    run_app(built.run_dir, script, refresh_s=0.2)


def test_step_through_a_lineage_interactively(generated_archive: BuiltArchive) -> None:
    built = generated_archive

    def lineage(node_id: int) -> list[int]:
        chain = [node_id]
        while (parent := built.nodes[chain[-1]].parent_id) is not None:
            chain.append(parent)
        return chain[::-1]

    def flips(node_id: int) -> tuple[list[str], list[str]]:
        child = built.nodes[node_id]
        parent = built.nodes[child.parent_id or 0]
        common = sorted(child.outcomes.keys() & parent.outcomes.keys())
        fixed = [t for t in common if child.outcomes[t] == "resolved" != parent.outcomes[t]]
        broke = [t for t in common if parent.outcomes[t] == "resolved" != child.outcomes[t]]
        return fixed, broke

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        # `n` without a marked lineage walks seed → best, one node per key.
        await go_to_seed(app, pilot)
        path = lineage(built.best_id)
        for node_id in path[1:]:
            await pilot.press("n")
            await pilot.pause()
            assert cursor_id(app) == node_id
            fixed, broke = flips(node_id)
            detail = pane_text(app, "#detail")
            if fixed or broke:
                assert f"fixed {', '.join(fixed) or '-'}  broke {', '.join(broke) or '-'}" in detail
        await pilot.press("n")
        await pilot.pause()
        assert cursor_id(app) == built.best_id, "the walk stops at the end of the lineage"

        # `l` on another node replays its own lineage from the seed.
        other = max(i for i in built.nodes if i not in path and built.nodes[i].parent_id)
        app.tree.reveal(other)
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert cursor_id(app) == path[0]
        assert f"replay → #{other}" in pane_text(app, "#header")
        for node_id in lineage(other)[1:]:
            await pilot.press("n")
            await pilot.pause()
            assert cursor_id(app) == node_id

    run_app(built.run_dir, script)


def test_refresh_rereads_unfinished_nodes_even_without_an_event(
    fresh_archive: BuiltArchive,
) -> None:
    """Score and stage updates are not logged as events; a shown node that is still proposed
    or evaluating is re-read on every refresh, so they still show up."""
    built = fresh_archive
    seed = min(built.nodes)

    async def refresh(app: ArchiveApp, pilot: Pilot) -> None:
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        with Archive.open(built.run_dir) as archive:  # a second writer connection
            node_id = archive.add_node(parent_id=seed, commit_sha="")
        await refresh(app, pilot)
        shown = app.tree.node_for(node_id)
        assert shown is not None and isinstance(shown.data, NodeSummary)
        assert (shown.data.status, shown.data.score) == ("proposed", None)
        with Archive.open(built.run_dir) as archive:
            archive.update_node(node_id, score=0.75, stage_reached=2)
        await refresh(app, pilot)
        shown = app.tree.node_for(node_id)
        assert shown is not None and isinstance(shown.data, NodeSummary)
        assert (shown.data.score, shown.data.stage_reached) == (0.75, 2)
        assert "0.750" in str(shown.label)

    run_app(built.run_dir, script)


def screen_lines(app: ArchiveApp) -> list[str]:
    """The screen as text lines, read back from Textual's own screenshot (SVG)."""
    svg = app.export_screenshot()
    lines: dict[int, list[str]] = {}
    for match in re.finditer(r'<text[^>]*clip-path="url\(#[^"]*-line-(\d+)\)"[^>]*>([^<]*)<', svg):
        text = html.unescape(match.group(2)).replace("\xa0", " ")
        lines.setdefault(int(match.group(1)), []).append(text)
    return ["".join(parts) for _, parts in sorted(lines.items())]


def test_readable_at_80x24(generated_archive: BuiltArchive) -> None:
    built = generated_archive

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        await pilot.pause()  # the best node is revealed once the tree has laid out
        lines = screen_lines(app)
        tree_side = [line[: app.tree.size.width] for line in lines]  # detail pane on the right
        best_line = next(line for line in tree_side if f"#{built.best_id} " in line)
        assert "★ best" in best_line, best_line
        footer = lines[-1]
        for key in ("? keys", "b best", "g go to", "o task log", "c chart", "/ filter", "q quit"):
            assert key in footer, footer
        assert f"best {built.nodes[built.best_id].score:.3f}" in "".join(lines[:3])

    run_app(built.run_dir, script, size=(80, 24))


def test_keys_go_to_task_log_and_chart(generated_archive: BuiltArchive) -> None:
    built = generated_archive
    target = max(i for i, n in built.nodes.items() if n.outcomes)
    scores = [n.score for n in built.nodes.values() if n.score is not None]

    async def script(app: ArchiveApp, pilot: Pilot) -> None:
        start = cursor_id(app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysScreen)
        listed = dict(app.screen.keys)
        for key, what in (
            ("g", "go to"),
            ("o", "task log"),
            ("c", "chart"),
            ("esc", "clear filter"),
        ):
            assert listed[key] == what
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, KeysScreen) and cursor_id(app) == start

        await pilot.press("g", *str(target), "enter")
        await pilot.pause()
        assert cursor_id(app) == target
        assert app.shown is not None and app.shown.summary.id == target
        await pilot.press("g", "9", "9", "9", "9", "enter")
        await pilot.pause()
        assert cursor_id(app) == target, "an unknown id leaves the cursor where it was"

        await pilot.press("o")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaskLogScreen) and screen.node_id == target
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.shown == list(built.nodes[target].outcomes)[1]
        log = str(screen.query_one("#log", Static).content)
        assert task_log(target, screen.shown) in log
        await pilot.press("escape")
        await pilot.pause()
        assert cursor_id(app) == target

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChartScreen)
        chart = str(app.screen.query_one("#chart", Static).content)
        assert f"best {max(scores):.3f}" in chart and "━ mean" in chart
        await pilot.press("escape")
        await pilot.pause()
        assert cursor_id(app) == target

    run_app(built.run_dir, script)
