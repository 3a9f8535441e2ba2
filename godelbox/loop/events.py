"""Names of the loop's events in the archive's append-only log.

The log is what a resumed daemon, `godelbox status` and the budgets read back, so every kind the
loop writes is named here once.
"""

DAEMON_STARTED = "daemon.started"
DAEMON_ACTIVE = "daemon.active"
"""payload: {"active_s": seconds of daemon time since the previous daemon.* event}."""
DAEMON_STOPPED = "daemon.stopped"
"""payload: {"active_s": ..., "reason": why it stopped}."""
GENERATION_PLANNED = "generation.planned"
"""payload: {"generation": g, "parents": [...], "rng": state after the draw}. Written before any
child exists; children carry {"generation": g, "slot": i} in their proposal."""
GENERATION_FINISHED = "generation.finished"
"""payload: {"generation": g, "best_node": id, "best_score": s}."""
