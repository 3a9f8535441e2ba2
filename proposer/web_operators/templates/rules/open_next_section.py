"""When what the task names is not on the page, open the next tab or section not opened yet
("Switch between the tabs to find and click on the link ...", "Expand the sections below")."""

from page import Page, click, same

HEADERS = ("h3", "a")

EXAMPLES = [
    (
        {
            "utterance": 'Expand the sections below, to find and click on the link "aliquet".',
            "fields": [["target", "aliquet"]],
            "elements": [
                {"ref": 4, "parent": 3, "tag": "h3", "text": "Section #1", "classes": "ui-header"},
                {"ref": 5, "parent": 3, "tag": "h3", "text": "Section #2", "classes": "ui-header"},
            ],
        },
        {"action": "click", "ref": 4},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    targets = page.targets()
    if any(same(e["text"], t) for t in targets for e in page.elements if e["ref"] > 0):
        return None
    opened = memory.setdefault("opened", [])
    for e in page.tagged(*HEADERS):
        name = e["text"]
        if name and name not in opened and ("header" in e.get("classes", "") or "Tab" in name):
            opened.append(name)
            return click(e)
    return None
