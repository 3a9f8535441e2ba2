"""Click into the text input the task counts to ("Focus into the 3rd input textbox"), or the
first one, once."""

from page import Page, click

EXAMPLES = [
    (
        {
            "utterance": "Focus into the 2nd input textbox.",
            "fields": [["target", "2"]],
            "elements": [
                {"ref": 4, "parent": 3, "tag": "input_text"},
                {"ref": 5, "parent": 3, "tag": "input_text"},
            ],
        },
        {"action": "click", "ref": 5},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    inputs = page.text_inputs()
    if not inputs or memory.get("focused"):
        return None
    index = (page.number() or 1) - 1
    memory["focused"] = True
    return click(inputs[min(max(index, 0), len(inputs) - 1)])
