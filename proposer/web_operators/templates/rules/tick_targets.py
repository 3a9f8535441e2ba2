"""Tick every checkbox or radio button whose label is one of the task's targets, once each
("Select HF2, AU and click Submit")."""

from page import CHOICES, Page, click, same

EXAMPLES = [
    (
        {
            "utterance": "Select HF2 and click Submit.",
            "fields": [["target 0", "HF2"], ["button", "submit"]],
            "elements": [
                {"ref": 5, "parent": 4, "tag": "label"},
                {"ref": 6, "parent": 5, "tag": "input_checkbox"},
                {"ref": -1, "parent": 5, "tag": "text", "text": "AU"},
                {"ref": 7, "parent": 4, "tag": "label"},
                {"ref": 8, "parent": 7, "tag": "input_checkbox"},
                {"ref": -2, "parent": 7, "tag": "text", "text": "HF2"},
            ],
        },
        {"action": "click", "ref": 8},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    ticked = memory.setdefault("ticked", [])
    targets = page.targets()
    for choice in page.tagged(*CHOICES):
        if choice["ref"] in ticked:
            continue
        if any(same(page.label(choice), target) for target in targets):
            ticked.append(choice["ref"])
            return click(choice)
    return None
