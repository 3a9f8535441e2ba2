"""Type the text the task quotes into each empty text input, one per step ("Enter "Agustina"
into the text field", "Enter the password "yA" into both text fields")."""

from page import Page, type_into

EXAMPLES = [
    (
        {
            "utterance": 'Enter "Jerald" into the text field and press Submit.',
            "fields": [["target", "Jerald"]],
            "elements": [
                {"ref": 5, "parent": 4, "tag": "input_text", "text": "", "value": ""},
                {"ref": 6, "parent": 4, "tag": "button", "text": "Submit"},
            ],
        },
        {"action": "type", "ref": 5, "text": "Jerald"},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    quoted = page.quoted()
    if not quoted:
        return None
    typed = memory.setdefault("typed", [])
    for field in page.empty_inputs():
        if field["ref"] not in typed:
            typed.append(field["ref"])
            return type_into(field, quoted[0])
    return None
