"""The DGM self-improvement step as a `Proposer`: diagnose one failure, let an agent fix itself.

Error policy, so the loop can act on each case:
- the run's dollar budget (`BudgetExceeded`) and configuration errors (`LLMConfigError`: no
  model, bad key) propagate unchanged: more proposals cannot help;
- every other model failure (unparsable diagnosis after its repair, a provider down after the
  retries, a rejected request) becomes a `ProposalError`, which the loop stores on the node;
- a budget spent *during* the implement step is not an error here: the editor ends cleanly, the
  child it left is returned (validation judges it) and the next proposal stops at the check.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from godelbox.agent_text import cap_text
from godelbox.config import ModelsSection, ProposerSection
from godelbox.evaluator.context import EvalContext
from godelbox.llm.fit import PromptTooLong
from godelbox.proposer.base import LLMCallSink, ParentEvidence, Proposal, ProposalError
from godelbox.proposer.dgm.diagnose import choose_task, diagnose
from godelbox.proposer.dgm.implement import implement
from godelbox.proposer.dgm.prompts import DGMPrompts
from godelbox.proposer.llm import BudgetExceeded, LLMClient, LLMConfigError, LLMError

IMPLEMENT_LOG_CHARS = 4_000
"""The editor's log kept in the proposal info (the child's diff is in the code store)."""


class DGMProposer:
    def __init__(
        self,
        llm: LLMClient,
        ctx: EvalContext,
        config: ProposerSection,
        models: ModelsSection,
        fixed_agent_dir: Path,
        prompts: DGMPrompts | None = None,
        record: bool = False,
    ) -> None:
        if not models.diagnose or not (models.implement or models.agent):
            raise LLMConfigError(
                "the DGM proposer needs models.diagnose and models.implement (or models.agent); "
                "set them, or use proposer.mode = 'operators' for the offline proposer"
            )
        self.llm = llm
        self.ctx = ctx
        self.config = config
        self.models = models
        self.fixed_agent_dir = fixed_agent_dir
        self.prompts = prompts or DGMPrompts()
        self.record = record
        """Record the self-edit sandbox's exchanges: `on_llm_call` then also gets its `Tape`."""

    @property
    def kind(self) -> str:
        return f"dgm-{self.config.implement}"

    def propose(
        self,
        parent: ParentEvidence,
        workdir: Path,
        rng: random.Random,
        on_llm_call: LLMCallSink,
    ) -> Proposal:
        llm = self.llm.with_on_call(on_llm_call)
        llm.run_budget.check()
        choice = choose_task(parent.tasks, self.config, rng)
        try:
            result = diagnose(llm, parent, choice, self.config, self.prompts)
        except (BudgetExceeded, LLMConfigError):
            raise
        except (LLMError, PromptTooLong) as exc:
            raise ProposalError(f"diagnosis failed: {exc}") from None
        editor = parent.agent_dir if self.config.implement == "self" else self.fixed_agent_dir
        done = implement(
            llm,
            self.ctx,
            parent.agent_dir,
            editor,
            result.diagnosis,
            workdir,
            on_llm_call,
            prompts=self.prompts,
            timeout_s=self.config.implement_timeout_s,
            record=self.record,
        )
        info: dict[str, Any] = {
            **result.diagnosis.model_dump(),
            "task_id": choice.task.task_id,
            "task_category": choice.category,
            "why_chosen": choice.why,
            "mode": self.config.implement,
            "critiques": result.critiques,
            "implement": {
                "editor": "parent" if self.config.implement == "self" else editor.name,
                "role": done.role,
                "ended": done.solution.ended,
                "exit_code": done.solution.exit_code,
                "duration_s": round(done.solution.duration_s, 3),
                "changed": bool(done.patch.strip()),
                "log_tail": cap_text(done.solution.log, IMPLEMENT_LOG_CHARS),
            },
        }
        return Proposal(child_dir=done.child_dir, kind=self.kind, info=info, patch=done.patch)
