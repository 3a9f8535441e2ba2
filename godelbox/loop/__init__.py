"""The evolution loop and daemon: select parents, propose children, validate, evaluate, archive.

`evolution.Evolution` is the daemon's life and its schedules; each phase of a generation has its
own module (`planning`, `proposing`, `evaluating`) sharing one `bookkeeping.Bookkeeper` (the
archive's single writer, the live status, agent checkouts). `setup` builds the parts from a
config, `executors` says where evaluations run, `progress` reads budgets from the event log.
"""
