"""Type the task's text in the case it asks for ("Type "agustina" in all upper case letters")."""

from page import Page, type_into

EXAMPLES = [
    (
        {
            "utterance": 'Type "JERALD" in all lower case letters in the text input.',
            "fields": [["text", "JERALD"], ["case", "lower"]],
            "elements": [{"ref": 5, "parent": 4, "tag": "input_text", "value": ""}],
        },
        {"action": "type", "ref": 5, "text": "jerald"},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    text, case = page.field("text"), page.field("case")
    if text is None or case not in ("upper", "lower"):
        return None
    wanted = text.upper() if case == "upper" else text.lower()
    for field in page.empty_inputs():
        return type_into(field, wanted)
    return None
