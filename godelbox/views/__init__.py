"""Reading and presenting a run's archive, beside a daemon that may be writing it.

- `reader.ArchiveReader`: read-only queries (never migrates, never blocks the writer);
- `records`: the typed rows views work with (`NodeSummary`, `NodeDetail`, `RunProgress`);
- `show`, `replay`, `rerun`, `plot`: the `godelbox show/replay/plot` commands' substance;
- `node_detail`, `node_label`, `node_diffs`, `run_header`, `score_style`, `task_flips`,
  `node_filter`: rendering and filtering shared by those commands and the TUI (`godelbox.tui`).

Nothing here imports Textual: the TUI sits on top of this package, not inside it.
"""
