"""Progress notes of long commands (building an image, starting an engine or a server).

Plain lines on stderr: rich's `Console.log` stamps each with a time and the caller's
`file.py:line`, which is logging format a user has no use for. Markup is off because the notes
quote tool output that may hold brackets.
"""

from __future__ import annotations

from rich.console import Console


def note(message: str) -> None:
    Console(stderr=True).print(message, markup=False, highlight=False)
