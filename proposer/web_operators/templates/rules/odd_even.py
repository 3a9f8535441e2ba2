"""Mark each number as odd or even with the buttons next to it ("Mark the numbers below as odd
or even"), once each."""

from page import Page, click

EXAMPLES = [
    (
        {
            "utterance": "Mark the numbers below as odd or even and press submit when done.",
            "fields": [],
            "elements": [
                {"ref": 5, "parent": 4, "tag": "div", "classes": "row"},
                {"ref": 6, "parent": 5, "tag": "span"},
                {"ref": 7, "parent": 6, "tag": "button", "text": "Odd"},
                {"ref": 8, "parent": 5, "tag": "span"},
                {"ref": 9, "parent": 8, "tag": "div", "text": "-4"},
                {"ref": 10, "parent": 5, "tag": "span"},
                {"ref": 11, "parent": 10, "tag": "button", "text": "Even"},
            ],
        },
        {"action": "click", "ref": 11},
    ),
]


def descendants(page: Page, ref: int) -> list[dict]:
    found, todo = [], [ref]
    while todo:
        for child in page.children.get(todo.pop(), []):
            found.append(child)
            todo.append(child["ref"])
    return found


def act(page: Page, memory: dict) -> dict | None:
    marked = memory.setdefault("marked", [])
    for row in page.elements:
        if row["ref"] in marked:
            continue
        inside = descendants(page, row["ref"])
        numbers = [e["text"] for e in inside if e["text"].lstrip("-").isdigit()]
        buttons = {e["text"].lower(): e for e in inside if e["tag"] == "button"}
        if len(numbers) == 1 and {"odd", "even"} <= set(buttons):
            marked.append(row["ref"])
            return click(buttons["odd" if int(numbers[0]) % 2 else "even"])
    return None
