"""Click the button whose text is what the task names ("Click on the "ok" button.")."""

from page import Page, click, same

EXAMPLES = [
    (
        {
            "utterance": 'Click on the "ok" button.',
            "fields": [["target", "ok"]],
            "elements": [
                {"ref": 3, "parent": 1, "tag": "button", "text": "cancel"},
                {"ref": 4, "parent": 1, "tag": "button", "text": "ok"},
            ],
        },
        {"action": "click", "ref": 4},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    for target in page.targets() + [v for k, v in page.fields if k == "button"]:
        for button in page.buttons():
            if same(button["text"], target):
                return click(button)
    return None
