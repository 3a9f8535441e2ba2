"""Click the element (a link, a menu item, a tab) whose own text is what the task names
("Click on the link "Eget".")."""

from page import Page, click, same

SKIP = ("body", "div", "input_text", "input_password", "textarea")

EXAMPLES = [
    (
        {
            "utterance": 'Click on the link "Eget".',
            "fields": [["target", "Eget"]],
            "elements": [
                {"ref": -1, "parent": 3, "tag": "text", "text": "Eget"},
                {"ref": 4, "parent": 3, "tag": "span", "text": "ridiculus"},
                {"ref": 7, "parent": 3, "tag": "span", "text": "Eget"},
            ],
        },
        {"action": "click", "ref": 7},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    clicked = memory.setdefault("clicked", [])
    for target in page.targets():
        for e in page.clickable():
            if e["tag"] in SKIP or not e["text"] or e["ref"] in clicked:
                continue
            if same(e["text"], target):
                clicked.append(e["ref"])
                return click(e)
    return None
