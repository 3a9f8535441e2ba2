"""The archive viewer: a read-only Textual app over a run's archive (`godelbox tui RUN_DIR`).

This package's `__init__` imports nothing on purpose: `show`, `replay` and `plot` reuse the
read-only archive reader and the score styling without paying for Textual's import.
"""
