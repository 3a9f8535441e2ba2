"""Fill each input whose label names one of the task's fields with that field's value
("Enter the username "karrie" and the password "AU"": the Username and Password inputs)."""

from page import Page, normal, type_into

EXAMPLES = [
    (
        {
            "utterance": 'Enter the username "karrie" and the password "AU" and press login.',
            "fields": [["username", "karrie"], ["password", "AU"]],
            "elements": [
                {"ref": 5, "parent": 4, "tag": "p"},
                {"ref": 6, "parent": 5, "tag": "label", "text": "Username"},
                {"ref": 7, "parent": 5, "tag": "input_text", "value": ""},
                {"ref": 8, "parent": 4, "tag": "p"},
                {"ref": 9, "parent": 8, "tag": "label", "text": "Password"},
                {"ref": 10, "parent": 8, "tag": "input_password", "value": ""},
            ],
        },
        {"action": "type", "ref": 7, "text": "karrie"},
    ),
]


def act(page: Page, memory: dict) -> dict | None:
    done = memory.setdefault("filled", [])
    for field in page.empty_inputs():
        if field["ref"] in done:
            continue
        label = normal(page.label(field))
        for key, value in page.fields:
            if label and (normal(key) in label or label in normal(key)):
                done.append(field["ref"])
                return type_into(field, value)
    return None
