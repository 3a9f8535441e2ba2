"""Sections, key = value pairs, and comment lines starting with # or ;."""

from __future__ import annotations


def parse_ini(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), {})
            continue
        if "=" not in line:
            raise ValueError(f"line {number}: expected key = value, got {raw!r}")
        if current is None:
            raise ValueError(f"line {number}: key outside of any section")
        key, _, value = line.partition("=")
        current[key.strip().lower()] = value.rstrip()
    return sections
