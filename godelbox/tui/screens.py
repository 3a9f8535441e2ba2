"""The pop-up screens of the archive viewer: the keys (`?`), go to a node (`g`), a task's log
(`o`) and the score over time (`c`). Each closes with Esc and leaves the tree where it was."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from godelbox.agent_text import for_terminal
from godelbox.tui.score_chart import score_chart
from godelbox.views.records import TaskResult

if TYPE_CHECKING:  # plot imports matplotlib: only `c` needs it, and not at start-up
    from godelbox.views.plot import ProgressSeries

LOG_TAIL_CHARS = 200_000
"""A task log is shown from its end: what went wrong is last, and the pane stays responsive."""

CLOSE: list[BindingType] = [Binding("escape", "dismiss", "close")]


class KeysScreen(ModalScreen[None]):
    """Every key of the viewer with what it does (the footer has room for a few only)."""

    BINDINGS: ClassVar[list[BindingType]] = [*CLOSE, Binding("question_mark", "dismiss")]
    DEFAULT_CSS = "KeysScreen { align: center middle; } #keys { width: auto; padding: 1 2; }"

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        text = Text("keys (esc closes)\n\n", style="bold")
        for key, what in self.keys:
            text.append(f"{key:>8}", style="bold cyan").append(f"  {what}\n")
        yield Static(text, id="keys", classes="box")


class GoToScreen(ModalScreen[int | None]):
    """Asks for a node id; dismissed with it (None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = CLOSE
    DEFAULT_CSS = "GoToScreen { align: center middle; } #goto { width: 40; }"

    def compose(self) -> ComposeResult:
        yield Input(placeholder="go to node # (enter)", id="goto", type="integer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # the app's own handler takes submitted text for a filter
        value = event.value.strip().lstrip("#")
        self.dismiss(int(value) if value.isdigit() else None)


class TaskLogScreen(ModalScreen[None]):
    """The node's tasks; enter shows the chosen task's log (agent output is escaped)."""

    BINDINGS: ClassVar[list[BindingType]] = CLOSE
    DEFAULT_CSS = """
    TaskLogScreen { align: center middle; }
    #tasks { height: auto; max-height: 40%; }
    #log-scroll { height: 1fr; border: solid $primary; }
    """

    def __init__(self, node_id: int, tasks: tuple[TaskResult, ...]) -> None:
        super().__init__()
        self.node_id = node_id
        self.tasks = tasks
        self.shown: str | None = None
        """The task whose log is on screen (tests read it)."""

    def compose(self) -> ComposeResult:
        yield OptionList(
            *(
                Option(f"{for_terminal(t.task_id)}  {t.outcome}", id=str(i))
                for i, t in enumerate(self.tasks)
            ),
            id="tasks",
        )
        with VerticalScroll(id="log-scroll"):
            yield Static(
                Text(f"node #{self.node_id}: pick a task (enter) to read its log", style="dim"),
                id="log",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        task = self.tasks[int(event.option.id or 0)]
        self.shown = task.task_id
        self.query_one("#log", Static).update(read_log(task))
        self.query_one("#log-scroll", VerticalScroll).scroll_end(animate=False)


def read_log(task: TaskResult) -> Text:
    if not task.log_path:
        return Text(f"{task.task_id}: no log was recorded", style="dim")
    path = Path(task.log_path)
    try:
        with path.open("rb") as fh:
            size = fh.seek(0, 2)
            fh.seek(max(0, size - LOG_TAIL_CHARS))
            tail = fh.read().decode("utf-8", errors="replace")
    except OSError as err:
        return Text(f"{path}: cannot read the log ({err.strerror})", style="red")
    head = Text(f"{path}\n", style="dim")
    if size > LOG_TAIL_CHARS:
        head.append(f"(the last {LOG_TAIL_CHARS} of {size} bytes)\n", style="dim")
    return head.append(for_terminal(tail))


class ChartScreen(ModalScreen[None]):
    """Best and mean score per generation, sized to the terminal."""

    BINDINGS: ClassVar[list[BindingType]] = [*CLOSE, Binding("c", "dismiss")]
    DEFAULT_CSS = "ChartScreen { align: center middle; } #chart { padding: 0 1; }"

    def __init__(self, series: ProgressSeries) -> None:
        super().__init__()
        self.series = series

    def compose(self) -> ComposeResult:
        yield Static(id="chart")

    def on_mount(self) -> None:
        self.on_resize()

    def on_resize(self) -> None:
        width, height = self.app.size
        self.query_one("#chart", Static).update(
            score_chart(self.series, width - 4, min(height - 2, 20))
        )
