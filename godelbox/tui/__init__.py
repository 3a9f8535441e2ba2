"""The archive viewer: a read-only Textual app over a run's archive (`godelbox tui RUN_DIR`).

It sits on top of `godelbox.views` (the reader, records and rendering that `show`, `replay` and
`plot` share); this `__init__` imports nothing so those never pay for Textual's import.
"""
