"""One record per non-empty line; the first line holds the column names."""

from __future__ import annotations


def parse_row(line: str, sep: str = ",") -> list[str]:
    return [cell.strip() for cell in line.split(",")]


def read_records(text: str, sep: str = ",") -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = parse_row(lines[0], sep)
    records = []
    for number, line in enumerate(lines[1:], start=2):
        cells = parse_row(line, sep)
        if len(cells) != len(header):
            raise ValueError(f"line {number}: expected {len(header)} cells, got {len(cells)}")
        records.append(dict(zip(header, cells, strict=True)))
    return records
