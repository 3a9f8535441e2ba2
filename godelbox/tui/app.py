"""`godelbox tui RUN_DIR`: watch an archive grow, read-only, while the daemon writes to it.

Layout: a header with run progress and budget, the archive tree on the left, the selected node's
detail on the right, a filter line that appears on `/`, and the key bindings in the footer.
Every few seconds the app asks the reader what changed since its watermark and patches the tree;
it never reloads the archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, Static, Tree

from godelbox.errors import UserError
from godelbox.tui.archive_tree import ArchiveTree, Entry
from godelbox.tui.screens import ChartScreen, GoToScreen, KeysScreen, TaskLogScreen
from godelbox.views.node_detail import render_node_detail
from godelbox.views.node_diffs import NodeDiffs
from godelbox.views.node_filter import SYNTAX, NodeFilter, parse_filter
from godelbox.views.reader import ArchiveReader, Changes, Watermark
from godelbox.views.records import NodeDetail, NodeSummary, RunProgress
from godelbox.views.run_header import render_progress


@dataclass(frozen=True)
class _Refreshed:
    """What a refresh looked up after a real change."""

    best: NodeSummary | None
    lineage: list[int]
    progress: RunProgress


STATUSES = frozenset({"proposed", "invalid", "evaluating", "evaluated", "failed"})


class ArchiveApp(App[None]):
    """The archive viewer. `refresh_s` is the live-refresh period (0 disables the timer)."""

    TITLE = "godelbox"
    CSS = """
    #header { height: auto; max-height: 3; background: $panel; }
    #tree { width: 46%; min-width: 40; border-right: solid $primary; }
    #detail-scroll { width: 1fr; padding: 0 1; }
    #filter { dock: bottom; display: none; }
    #filter.shown { display: block; }
    """
    # The footer shows the `show=True` ones and must fit 80 columns; `?` lists them all.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "keys", "keys"),
        Binding("b", "jump_best", "best"),
        Binding("g", "go_to", "go to"),
        Binding("p", "jump_parent", "parent", show=False),
        Binding("n", "next_step", "next step", show=False),
        Binding("l", "mark_replay", "replay to here", show=False),
        Binding("o", "open_log", "task log"),
        Binding("c", "chart", "chart"),
        Binding("slash", "open_filter", "filter"),
        Binding("escape", "clear_filter", "clear filter", show=False),
        Binding("s", "toggle_sort", "sort", show=False),
        Binding("r", "refresh_archive", "refresh", show=False),
        Binding("q", "quit", "quit"),
    ]
    KEY_NAMES: ClassVar[dict[str, str]] = {"question_mark": "?", "slash": "/", "escape": "esc"}

    def __init__(self, reader: ArchiveReader, diffs: NodeDiffs, refresh_s: float = 2.0) -> None:
        super().__init__()
        self.reader = reader
        self.diffs = diffs
        self.refresh_s = refresh_s
        self.watermark = Watermark()
        self.shown: NodeDetail | None = None
        """The node in the detail pane (tests and the screenshot read it)."""
        self._progress: RunProgress | None = None
        self.replay_path: list[int] = []
        """Seed → target of the lineage `n` steps along (empty: towards the best node)."""

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal():
            yield ArchiveTree(self.reader, id="tree")
            with VerticalScroll(id="detail-scroll"):
                yield Static(Text("select a node", style="dim"), id="detail")
        yield Input(placeholder=f"filter: {SYNTAX}   (enter applies, empty clears)", id="filter")
        yield Footer()

    @property
    def tree(self) -> ArchiveTree:
        return self.query_one(ArchiveTree)

    def on_mount(self) -> None:
        self.watermark = self.reader.watermark()
        self.tree.rebuild()
        self._update_header()
        self.tree.focus()
        if self.tree.best_id is not None:  # open where the interesting agent is
            self.tree.reveal(self.tree.best_id)
        if self.refresh_s > 0:
            self.set_interval(self.refresh_s, self.action_refresh_archive)

    # --- detail -----------------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Entry]) -> None:
        if isinstance(event.node.data, NodeSummary):
            self.show_node(event.node.data.id)

    def show_node(self, node_id: int) -> None:
        detail = self.reader.detail(node_id)
        self.shown = detail
        try:
            diff = self.diffs.vs_parent(node_id)
        except UserError as err:  # a damaged code store must not take the viewer down
            diff = f"(diff unavailable: {err})"
        self.query_one("#detail", Static).update(render_node_detail(detail, diff))
        self.query_one("#detail-scroll", VerticalScroll).scroll_home(animate=False)

    # --- actions ----------------------------------------------------------------------------

    def action_jump_best(self) -> None:
        if self.tree.best_id is None:
            self.notify("no evaluated node yet", severity="warning")
            return
        if self.tree.reveal(self.tree.best_id) is None:
            self.notify("the best node is hidden by the filter (esc clears it)")

    def action_jump_parent(self) -> None:
        cursor = self.tree.cursor_node
        if cursor is None or not isinstance(cursor.data, NodeSummary):
            return
        if cursor.data.parent_id is None:
            self.notify("this is the seed: it has no parent")
            return
        self.tree.reveal(cursor.data.parent_id)

    def action_mark_replay(self) -> None:
        """Replay the lineage of the highlighted node: back to its seed, then `n` steps down."""
        cursor = self.tree.cursor_node
        if cursor is None or not isinstance(cursor.data, NodeSummary):
            return
        self.replay_path = self.reader.lineage(cursor.data.id)
        self.tree.reveal(self.replay_path[0])
        self._update_header(requery=False)

    def action_next_step(self) -> None:
        """One step down the replayed lineage (or the best node's): the next node's detail
        shows its proposal, its diff and the tasks it fixed or broke."""
        path = self.replay_path or (
            self.reader.lineage(self.tree.best_id) if self.tree.best_id is not None else []
        )
        if not path:
            return
        cursor = self.tree.cursor_node
        current = cursor.data.id if cursor and isinstance(cursor.data, NodeSummary) else None
        if current == path[-1]:
            self.notify(f"end of the lineage: #{current} is step {len(path)}/{len(path)}")
            return
        step = path.index(current) + 1 if current in path else 0
        self.tree.reveal(path[step])
        self.notify(f"step {step + 1}/{len(path)}: #{path[step]}", timeout=2)

    def action_keys(self) -> None:
        bindings = [b for b in self.BINDINGS if isinstance(b, Binding)]
        keys = [(self.KEY_NAMES.get(b.key, b.key), b.description) for b in bindings]
        self.push_screen(KeysScreen(keys))

    def action_go_to(self) -> None:
        self.push_screen(GoToScreen(), self._go_to)

    def _go_to(self, node_id: int | None) -> None:
        if node_id is None:
            return
        try:
            self.reader.node(node_id)
        except UserError:
            self.notify(f"no node #{node_id} in this archive", severity="warning")
            return
        if self.tree.reveal(node_id) is None:
            self.notify(f"#{node_id} is hidden by the filter (esc clears it)")

    def action_open_log(self) -> None:
        if self.shown is None or not self.shown.tasks:
            self.notify("this node has no evaluated task yet", severity="warning")
            return
        self.push_screen(TaskLogScreen(self.shown.summary.id, self.shown.tasks))

    def action_chart(self) -> None:
        from godelbox.views.plot import progress_series  # matplotlib loads only when asked for

        series = progress_series(self.reader.all_summaries(), self.reader.generations())
        self.push_screen(ChartScreen(series))

    def action_open_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            flt = parse_filter(event.value, STATUSES)
        except UserError as err:
            self.notify(str(err), severity="error")
            return
        self._apply_filter(flt)

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self._apply_filter(NodeFilter())

    def _apply_filter(self, flt: NodeFilter) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("shown")
        if flt != self.tree.filter:
            cursor = self.tree.cursor_node
            self.tree.filter = flt
            self.tree.rebuild()
            if flt.is_empty and cursor is not None and isinstance(cursor.data, NodeSummary):
                self.tree.reveal(cursor.data.id)  # clearing the filter keeps your place
        self._update_header()
        self.tree.focus()

    def action_toggle_sort(self) -> None:
        self.tree.order = "id" if self.tree.order == "score" else "score"
        self.tree.rebuild()
        self.notify(f"children sorted by {'score' if self.tree.order == 'score' else 'age'}")

    def action_refresh_archive(self) -> None:
        """Ask, off the UI thread, what the writer did since the last refresh."""
        unfinished = self.tree.unfinished_ids()
        self._fetch_changes(self.watermark, self.tree.known(unfinished))

    @work(thread=True, exclusive=True, group="refresh")
    def _fetch_changes(self, mark: Watermark, known: dict[int, NodeSummary]) -> None:
        """Reads only rows newer than `mark` plus the unfinished nodes in `known`; the costly
        lookups (best node, counts) run only when something really changed. Runs in a thread
        so a 100k-node archive never freezes the keyboard."""
        changes = self.reader.changes_since(mark, known)
        updated = tuple(n for n in changes.updated if known.get(n.id) != n)
        changes = Changes(changes.new, updated, changes.watermark)
        refreshed: _Refreshed | None = None
        if changes.new or changes.updated:
            best = self.reader.best()
            lineage = self.reader.lineage(best.id) if best else []
            refreshed = _Refreshed(best, lineage, self.reader.progress(best))
        self.call_from_thread(self._apply_changes, changes, refreshed)

    def _apply_changes(self, changes: Changes, refreshed: _Refreshed | None) -> None:
        if changes.watermark.event_seq < self.watermark.event_seq:
            return  # an older refresh finishing late
        self.watermark = changes.watermark
        if refreshed is None:
            self._update_header(requery=False)  # the clock moved, the archive did not
            return
        if not self.tree.filter.is_empty:
            self.tree.rebuild()
        else:
            for node in changes.new:
                self.tree.apply_new(node)
            for node in changes.updated:
                self.tree.apply_update(node)
            self.tree.set_best(refreshed.best, refreshed.lineage)
        self._progress = refreshed.progress
        self._update_header(requery=False)
        touched = {n.id for n in changes.new + changes.updated}
        if self.shown is not None and self.shown.summary.id in touched:
            self.show_node(self.shown.summary.id)

    def _update_header(self, requery: bool = True) -> None:
        """Counts and spend are re-read only when the archive changed: on a 100k-node archive
        they are the most expensive queries of a refresh."""
        if requery or self._progress is None:
            self._progress = self.reader.progress(self.tree.best)
        flt = self.tree.filter
        notes = [] if flt.is_empty else [f"filter: {flt.describe()} (esc clears)"]
        if self.replay_path:
            notes.append(f"replay → #{self.replay_path[-1]} (n next, p back)")
        note = "   ".join(notes)
        self.query_one("#header", Static).update(render_progress(self._progress, note=note))
