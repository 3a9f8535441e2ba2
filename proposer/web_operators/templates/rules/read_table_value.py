"""Look a label up in the page's table and type the value next to it into the input labelled
with it, or into the only input ("Enter the value of Last name into the text field")."""

from page import Page, normal, type_into

EXAMPLES = [
    (
        {
            "utterance": "Enter the value of Language into the text field and press Submit.",
            "fields": [["target", "Language"]],
            "elements": [
                {"ref": 6, "parent": 5, "tag": "tr"},
                {"ref": 7, "parent": 6, "tag": "td", "text": "Language"},
                {"ref": 8, "parent": 6, "tag": "td", "text": "Malay"},
                {"ref": 9, "parent": 3, "tag": "input_text", "value": ""},
            ],
        },
        {"action": "type", "ref": 9, "text": "Malay"},
    ),
]


def table(page: Page) -> dict[str, str]:
    """Label -> value for every table row of two cells."""
    rows = {}
    for row in page.tagged("tr"):
        cells = [c for c in page.children.get(row["ref"], []) if c["tag"] in ("td", "th")]
        if len(cells) == 2 and cells[0]["text"] and cells[1]["text"]:
            rows[normal(cells[0]["text"])] = cells[1]["text"]
    return rows


def act(page: Page, memory: dict) -> dict | None:
    values = table(page)
    inputs = page.text_inputs()
    if not values or not inputs:
        return None
    wanted = [normal(t) for t in page.targets()]
    for field in page.empty_inputs():
        label = normal(page.label(field))
        key = label if label in values else (wanted[0] if len(inputs) == 1 and wanted else "")
        if key in values:
            return type_into(field, values[key])
    return None
