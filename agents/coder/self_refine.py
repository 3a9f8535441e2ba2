"""Optional self-refine step (SELF): answer → self-feedback → refined answer.

When the model submits, it is shown its own diff and asked to review it. A reply that starts
with the approval word keeps the submission; anything else is taken as a critique: it stays in
the conversation and the run goes on, so the model refines its answer and submits again. At
most `self_refine_rounds` reviews per run; 0 (the default) switches the step off, and the
evolution loop may turn it on, tune it or delete this file together with its two call sites.
"""

from __future__ import annotations

from typing import Any

from config import AgentConfig, render
from environment import Environment
from model import Model

DIFF_COMMAND = "git -c core.pager=cat diff --no-color"


class SelfRefiner:
    def __init__(self, model: Model, env: Environment, config: AgentConfig) -> None:
        self.model, self.env, self.config = model, env, config
        self.rounds = 0

    def wants_revision(self, messages: list[dict[str, Any]], timeout_s: float) -> str | None:
        """Ask for a review of the current diff; the critique when the model wants to revise
        its answer, None when the submission stands (approved, or no rounds left)."""
        c = self.config
        if self.rounds >= c.self_refine_rounds:
            return None
        self.rounds += 1
        diff = self.env.execute(DIFF_COMMAND, min(timeout_s, 30.0)).text or "(no changes)"
        request = render(c.self_refine_template, diff=diff, approve=c.self_refine_approve)
        review = [*messages, {"role": "user", "content": request}]
        reply = self.model.query(review, [], timeout_s)
        critique = (reply.get("content") or "").strip()
        if not critique or critique.upper().startswith(c.self_refine_approve):
            return None
        return critique
