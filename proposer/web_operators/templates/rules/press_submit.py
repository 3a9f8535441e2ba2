"""Send the form: click the control whose text is one of config.SUBMIT_WORDS (a button when
there is one), once."""

import config
from page import Page, click, normal

EXAMPLES = [
    (
        {
            "utterance": 'Enter "Jerald" into the text field and press Submit.',
            "fields": [["target", "Jerald"]],
            "elements": [
                {"ref": 5, "parent": 4, "tag": "input_text", "text": "", "value": "Jerald"},
                {"ref": 6, "parent": 4, "tag": "button", "text": "Submit"},
            ],
        },
        {"action": "click", "ref": 6},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    if memory.get("sent"):
        return None
    words = {w.lower() for w in config.SUBMIT_WORDS}
    named = [e for e in page.clickable() if normal(e["text"]) in words]
    for control in sorted(named, key=lambda e: e["tag"] != "button"):
        memory["sent"] = True
        return click(control)
    return None
