"""Copy the text of a text area (the one the task counts to, else the first) into the text
input ("Copy the text from the 3rd text area below and paste it into the text input")."""

from page import Page, type_into

EXAMPLES = [
    (
        {
            "utterance": "Copy the text from the 2nd text area below and paste it into the input.",
            "fields": [["target", "2"]],
            "elements": [
                {"ref": 4, "parent": 3, "tag": "textarea", "value": "first"},
                {"ref": 5, "parent": 3, "tag": "textarea", "value": "second"},
                {"ref": 7, "parent": 3, "tag": "input_text", "value": ""},
            ],
        },
        {"action": "type", "ref": 7, "text": "second"},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    areas = [a for a in page.tagged("textarea") if a["value"] or a["text"]]
    inputs = page.empty_inputs()
    if not areas or not inputs:
        return None
    index = min(max((page.number() or 1) - 1, 0), len(areas) - 1)
    return type_into(inputs[0], areas[index]["value"] or areas[index]["text"])
