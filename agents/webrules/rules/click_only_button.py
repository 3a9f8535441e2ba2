"""When the page has exactly one button, click it ("Click the button.")."""

from page import Page, click

EXAMPLES = [
    (
        {
            "utterance": "Click the button.",
            "fields": [],
            "elements": [{"ref": 4, "parent": 1, "tag": "button", "text": "Click Me!"}],
        },
        {"action": "click", "ref": 4},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    buttons = page.buttons()
    if len(buttons) == 1 and not memory.get("clicked_only_button"):
        memory["clicked_only_button"] = True
        return click(buttons[0])
    return None
