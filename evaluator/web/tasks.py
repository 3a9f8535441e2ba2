"""The MiniWoB++ core tasks (as shipped by PyPI `miniwob` 1.1.0) and named subsets.

The list is fixed here so the host never needs the browser stack to parse a benchmark spec; a
test checks it against the package inside the web image.
"""

from __future__ import annotations

from godelbox.errors import UserError

MINIWOB_TASKS: tuple[str, ...] = (
    "ascending-numbers",
    "bisect-angle",
    "book-flight",
    "book-flight-nodelay",
    "buy-ticket",
    "choose-date",
    "choose-date-easy",
    "choose-date-medium",
    "choose-date-nodelay",
    "choose-list",
    "circle-center",
    "click-button",
    "click-button-sequence",
    "click-checkboxes",
    "click-checkboxes-large",
    "click-checkboxes-soft",
    "click-checkboxes-transfer",
    "click-collapsible",
    "click-collapsible-2",
    "click-collapsible-2-nodelay",
    "click-collapsible-nodelay",
    "click-color",
    "click-dialog",
    "click-dialog-2",
    "click-link",
    "click-menu",
    "click-menu-2",
    "click-option",
    "click-pie",
    "click-pie-nodelay",
    "click-scroll-list",
    "click-shades",
    "click-shape",
    "click-tab",
    "click-tab-2",
    "click-tab-2-easy",
    "click-tab-2-hard",
    "click-tab-2-medium",
    "click-test",
    "click-test-2",
    "click-test-transfer",
    "click-widget",
    "copy-paste",
    "copy-paste-2",
    "count-shape",
    "count-sides",
    "daily-calendar",
    "drag-box",
    "drag-circle",
    "drag-cube",
    "drag-items",
    "drag-items-grid",
    "drag-shapes",
    "drag-shapes-2",
    "drag-single-shape",
    "drag-sort-numbers",
    "draw-circle",
    "draw-line",
    "email-inbox",
    "email-inbox-delete",
    "email-inbox-forward",
    "email-inbox-forward-nl",
    "email-inbox-forward-nl-turk",
    "email-inbox-important",
    "email-inbox-nl-turk",
    "email-inbox-noscroll",
    "email-inbox-reply",
    "email-inbox-star-reply",
    "enter-date",
    "enter-password",
    "enter-text",
    "enter-text-2",
    "enter-text-dynamic",
    "enter-time",
    "find-greatest",
    "find-midpoint",
    "find-word",
    "focus-text",
    "focus-text-2",
    "form-sequence",
    "form-sequence-2",
    "form-sequence-3",
    "generate-number",
    "grid-coordinate",
    "guess-number",
    "highlight-text",
    "highlight-text-2",
    "hot-cold",
    "identify-shape",
    "login-user",
    "login-user-popup",
    "multi-layouts",
    "multi-orderings",
    "navigate-tree",
    "number-checkboxes",
    "odd-or-even",
    "order-food",
    "phone-book",
    "read-table",
    "read-table-2",
    "resize-textarea",
    "right-angle",
    "scroll-text",
    "scroll-text-2",
    "search-engine",
    "sign-agreement",
    "simple-algebra",
    "simple-arithmetic",
    "social-media",
    "social-media-all",
    "social-media-some",
    "stock-market",
    "terminal",
    "text-editor",
    "text-transform",
    "tic-tac-toe",
    "unicode-test",
    "use-autocomplete",
    "use-autocomplete-nodelay",
    "use-colorwheel",
    "use-colorwheel-2",
    "use-slider",
    "use-slider-2",
    "use-spinner",
    "visual-addition",
)
"""The 125 core tasks (the three `flight.*` tasks need their own HTTP server and are left out)."""

TRAIN: tuple[str, ...] = MINIWOB_TASKS[1::2]
"""The fixed train split (62 tasks): every other task in alphabetical order, starting with the
second. Alternating in name order puts the members of one family (click-checkboxes and
click-checkboxes-large, enter-text and enter-password, a task and its -nodelay twin) on both
sides, so a skill learnt on train can be measured on test. Evolution sees only this split."""

TEST: tuple[str, ...] = MINIWOB_TASKS[0::2]
"""The fixed test split (63 tasks): the rest. Never shown to the search; it reports
generalisation, as builtin:heldout does for the coding suite."""

SUBSETS: dict[str, tuple[str, ...]] = {
    # Single-step tasks an agent with DOM access solves in one or two actions.
    "basic": (
        "click-button",
        "click-test",
        "click-test-2",
        "click-link",
        "enter-text",
        "focus-text",
    ),
    # Short multi-step tasks: forms, tabs, checkboxes, menus.
    "multistep": (
        "click-checkboxes",
        "click-tab",
        "click-option",
        "click-dialog",
        "enter-password",
        "login-user",
        "click-collapsible",
        "enter-text-2",
    ),
    "train": TRAIN,
    "test": TEST,
    "all": MINIWOB_TASKS,
}


class UnknownWebTaskError(UserError):
    """A MiniWoB task or subset name that does not exist."""


def parse_tasks(spec: str) -> list[str]:
    """Task names from a comma-separated list of task names and/or subset names, in order,
    without duplicates: `click-button,enter-text`, `basic`, `basic,login-user`."""
    out: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        if item in SUBSETS:
            names = SUBSETS[item]
        elif item in MINIWOB_TASKS:
            names = (item,)
        else:
            raise UnknownWebTaskError(
                f"unknown MiniWoB task or subset {item!r}; subsets: {', '.join(SUBSETS)}; "
                "tasks: see godelbox.evaluator.web.tasks.MINIWOB_TASKS (e.g. click-button)"
            )
        out.extend(n for n in names if n not in out)
    if not out:
        raise UnknownWebTaskError(
            "empty MiniWoB task list; e.g. miniwob:basic or miniwob:click-test"
        )
    return out
