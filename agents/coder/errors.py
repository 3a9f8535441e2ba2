"""The two exception families that steer the loop.

Recoverable errors are fed back to the model so it can correct itself; terminating ones end the
run cleanly with an exit status that is written to the trajectory (the proposer reads it when it
diagnoses a run, e.g. to find context-length failures).
"""

from __future__ import annotations


class Recoverable(Exception):
    """Shown to the model as an observation; the run goes on."""


class FormatError(Recoverable):
    """The reply held no usable action (no tool call and no single ```bash block)."""


class ToolError(Recoverable):
    """Unknown tool, bad arguments, or a tool that failed (e.g. a non-unique str_replace)."""


class Terminating(Exception):
    """Ends the run; `status` names why in trajectory.json."""

    status = "terminated"


class Submitted(Terminating):
    """The model called `submit`: the workspace as it is now is the answer."""

    status = "submitted"


class LimitsExceeded(Terminating):
    """The agent's own step, token or time budget ran out."""

    status = "limits_exceeded"


class BudgetExhausted(Terminating):
    """The gateway refused the call because this sandbox's budget is spent (HTTP 402)."""

    status = "budget_exhausted"


class Interrupted(Terminating):
    """The process was asked to stop (SIGTERM), e.g. by the evaluator at its time limit."""

    status = "interrupted"


class ContextWindowExceeded(Terminating):
    """The conversation no longer fits the model's context window."""

    status = "context_length_exceeded"


class ModelError(Terminating):
    """The model could not be reached or kept failing after retries."""

    status = "model_error"
