"""The PAE loop: propose tasks, validate and de-duplicate them, let the agent attempt the
accepted ones in the sandbox, judge every attempt, and audit the judge against ground truth.

This module never writes the archive: every row it makes goes through the `record` callback
of the command that runs it (`godelbox pae`), which returns the row with its id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel

from godelbox.agent_text import cap_text
from godelbox.archive.pae_models import JudgeAudit, JudgedAttempt, ProposedStatus, ProposedTask
from godelbox.config import PAESection
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.evaluation import Solver, evaluate_tasks
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.swebench import SWEBenchmark, SWEBenchTask
from godelbox.evaluator.web.miniwob import Episode, EpisodeResult, MiniWoBBenchmark
from godelbox.llm.fit import evidence_chars
from godelbox.proposer.base import LLMCallSink
from godelbox.proposer.llm import LLMClient, LLMOutputError, LLMRequestError, LLMUnavailable
from godelbox.proposer.pae.audit import AuditResult, audit
from godelbox.proposer.pae.context import repo_context
from godelbox.proposer.pae.dedupe import Known, find_duplicate, text_hash
from godelbox.proposer.pae.judge import Judge, last_steps
from godelbox.proposer.pae.proposer import Draft, TaskProposer
from godelbox.proposer.pae.tasks import coding_task
from godelbox.proposer.pae.trajectory import stored_trajectory, trajectory_from_log
from godelbox.proposer.pae.validate import validate_coding
from godelbox.proposer.pae.web import (
    goal_of,
    last_action,
    observations_text,
    web_context,
    web_messages,
)
from godelbox.sandbox.gateway import Gateway

STORED_GOAL_CHARS = 4_000
"""Cap on a web goal or reason read back from a sandbox (what the archive keeps)."""

Record = Callable[[SQLModel], Any]
"""Stores a row and returns it with its id (the command's archive writer)."""

UNUSABLE = (LLMOutputError, LLMRequestError, LLMUnavailable)
"""Model failures that cost one context its proposals, never the run (a real model answers
with broken JSON, overlong prompts meet small windows, a local server times out)."""


@dataclass
class PAEReport:
    proposed: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    attempts: int = 0
    judged_success: int = 0
    goal_attempts: int = 0
    """Web: attempts at accepted proposed goals (judged only: MiniWoB cannot grade them)."""
    goal_judged_success: int = 0
    audit: AuditResult | None = None
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"proposed {self.proposed} tasks: {self.accepted} accepted, {self.rejected} "
            f"rejected, {self.duplicates} duplicates",
            f"attempted {self.attempts}: judged successful {self.judged_success}",
        ]
        if self.goal_attempts:
            out.append(
                f"attempted {self.goal_attempts} proposed goals: judged successful "
                f"{self.goal_judged_success} (no ground truth; not in the audit)"
            )
        if self.audit is not None:
            out.append(self.audit.describe())
        return out + self.notes


@dataclass(frozen=True)
class PAELoop:
    ctx: EvalContext
    llm: LLMClient
    solver: Solver
    settings: PAESection
    record: Record
    node_id: int | None = None
    on_progress: Callable[[str], None] = lambda _line: None
    on_agent_call: LLMCallSink = lambda _record: None
    """Where the web agent's model calls (through its gateway) are reported."""

    def run_coding(self, contexts: Sequence[Task], known: list[Known]) -> PAEReport:
        report = PAEReport()
        proposer = TaskProposer(self.llm)
        accepted: list[tuple[ProposedTask, SWEBenchTask]] = []
        for base in contexts:
            chars, _ = evidence_chars(self.llm, "task_proposer", self.settings.context_chars, 2)
            context = repo_context(base, chars)
            try:
                drafts = proposer.coding(context, self.settings.tasks_per_context)
            except UNUSABLE as err:  # one unusable reply must not end the whole run
                report.notes.append(f"{base.task_id}: no tasks proposed ({err})")
                continue
            self.on_progress(f"{base.task_id}: {len(drafts)} tasks proposed")
            for draft in drafts:
                row = self._admit(draft, base, known, report)
                if row is not None:
                    accepted.append((row, coding_task(row, base)))
        if accepted:
            self._attempt(accepted, report)
        return report

    def run_web(self, bench: MiniWoBBenchmark, agent_dir: Path, known: list[Known]) -> PAEReport:
        """Play the benchmark's episodes and audit the judge against MiniWoB's rewards; propose
        new goals for every environment from the page the agent saw first; then the agent
        attempts each accepted goal on that same seeded page, shown the goal instead of the
        environment's own, and the judge alone grades the attempt (MiniWoB's reward is for a
        goal the agent never saw, so it is kept as a detail, not as ground truth)."""
        report = PAEReport()
        budget = self.llm.llm
        judge = Judge(self.llm)
        with Gateway(
            self.llm,
            on_call=self.on_agent_call,
            budget_usd=budget.sandbox_budget_usd,
            budget_tokens=budget.sandbox_budget_tokens,
            roles=("agent",),
        ) as gateway:
            ctx = replace(self.ctx, gateway_socket=gateway.socket_path, gateway_token=gateway.token)
            results = bench.run(ctx, agent_dir)
            rows = [self._judged_episode(judge, result) for result in results]
            report.attempts = len(rows)
            report.judged_success = sum(1 for r in rows if r.judge_success)
            report.audit = self._audit("web", judge, rows)
            goals = self._propose_goals(results, known, report)
            if goals:
                self._attempt_goals(ctx, bench, agent_dir, judge, goals, report)
        return report

    def _propose_goals(
        self, results: Sequence[EpisodeResult], known: list[Known], report: PAEReport
    ) -> list[ProposedTask]:
        """New goals per environment from the first page its episodes showed; the accepted
        rows, each with the seed of that page in its payload (the goal is about that page)."""
        proposer = TaskProposer(self.llm)
        first_pages: dict[str, tuple[int, dict[str, Any]]] = {}
        for result in results:
            if result.trajectory and result.task not in first_pages:
                page = result.trajectory[0].get("observation") or {}
                first_pages[result.task] = (result.seed, page)
        accepted: list[ProposedTask] = []
        for task, (seed, page) in first_pages.items():
            context = web_context(task, page)
            example = Known(None, context.example_goal, text_hash(context.example_goal))
            try:
                drafts = proposer.web(context, self.settings.tasks_per_context)
            except UNUSABLE as err:
                report.notes.append(f"{task}: no goals proposed ({err})")
                continue
            self.on_progress(f"{task}: {len(drafts)} goals proposed")
            for draft in drafts:
                row = self._admit_goal(draft, seed, known, example, report)
                if row is not None:
                    accepted.append(row)
        return accepted

    def _attempt_goals(
        self,
        ctx: EvalContext,
        bench: MiniWoBBenchmark,
        agent_dir: Path,
        judge: Judge,
        goals: Sequence[ProposedTask],
        report: PAEReport,
    ) -> None:
        episodes = [
            Episode(row.context_id, int((row.payload or {})["seed"]), goal_override=row.text)
            for row in goals
        ]
        results = bench.run(ctx, agent_dir, episodes)
        for row, result in zip(goals, results, strict=True):
            stored = self._judged_episode(judge, result, proposed=row)
            report.goal_attempts += 1
            report.goal_judged_success += 1 if stored.judge_success else 0

    def _judged_episode(
        self, judge: Judge, result: EpisodeResult, proposed: ProposedTask | None = None
    ) -> JudgedAttempt:
        final = result.final_observation
        goal = result.goal_override or goal_of(result.trajectory, final)
        screenshot = (final or {}).get("screenshot")
        verdict = judge.web(
            goal,
            observations_text(result.trajectory, final),
            last_action(result.trajectory),
            screenshot=str(screenshot) if screenshot else None,
        )
        graded = result.ground_truth is not None or result.ended in ("timeout", "error")
        row = JudgedAttempt(
            task_id=result.task_id,
            proposed_task_id=None if proposed is None else proposed.id,
            node_id=self.node_id,
            kind="web",
            judge_model=verdict.model,
            judge_success=verdict.success,
            judge_reason=verdict.reason,
            judge_error=verdict.error,
            ground_truth=result.ground_truth,
            outcome=result.outcome if graded else "judged_only",
            problem=cap_text(goal, STORED_GOAL_CHARS),
            trajectory=stored_trajectory(web_messages(result.trajectory)),
            details={
                "reward": result.reward,
                "raw_reward": result.raw_reward,
                # Under a goal override MiniWoB rewarded its own goal (env_goal), not `problem`.
                "raw_reward_is_ground_truth": result.goal_override is None,
                "env_goal": cap_text(result.env_goal, STORED_GOAL_CHARS),
                "seed": result.seed,
                "ended": result.ended,
                "steps": result.steps,
                "reason": cap_text(result.reason, STORED_GOAL_CHARS),
            },
        )
        stored = self.record(row)
        shown = "error" if verdict.success is None else ("success" if verdict.success else "fail")
        what = "reward" if proposed is None else f"proposed goal {proposed.id}: env reward"
        self.on_progress(f"  {result.task_id}: {what} {result.raw_reward:.2f}, judge {shown}")
        return stored

    def _admit_goal(
        self, draft: Draft, seed: int, known: list[Known], example: Known, report: PAEReport
    ) -> ProposedTask | None:
        """Web goals are checked for duplicates (of stored goals and of the example) only:
        MiniWoB rewards its own goals, so a proposed goal is judged, never sandbox-validated.
        The accepted row (to attempt on the page of `seed`) or None."""
        report.proposed += 1
        digest = text_hash(draft.text)
        row = ProposedTask(
            kind="web",
            status=ProposedStatus.ACCEPTED,
            text_hash=digest,
            title=draft.title[:256],
            text=draft.text,
            payload={**draft.payload, "seed": seed},
            reason=f"goal for MiniWoB environment {draft.provenance.context_id}",
            model=draft.provenance.model,
            prompt_hash=draft.provenance.prompt_hash,
            context_id=draft.provenance.context_id,
            parent_task=draft.provenance.parent_task,
        )
        duplicate = find_duplicate(draft.text, [*known, example], self.settings.duplicate_jaccard)
        if duplicate is not None:
            row.status, row.reason = ProposedStatus.DUPLICATE, duplicate.describe()
            row.duplicate_of = duplicate.of.task_id
            report.duplicates += 1
        else:
            report.accepted += 1
        stored = self.record(row)
        if duplicate is not None:
            return None
        known.append(Known(stored.id, draft.text, digest))
        return stored

    def _admit(
        self, draft: Draft, base: Task, known: list[Known], report: PAEReport
    ) -> ProposedTask | None:
        """Store the draft as duplicate, rejected or accepted; the accepted row or None."""
        report.proposed += 1
        digest = text_hash(draft.text)
        row = ProposedTask(
            kind=draft.kind,
            status=ProposedStatus.REJECTED,
            text_hash=digest,
            title=draft.title[:256],
            text=draft.text,
            payload={**draft.payload, "context_bench": self.settings.context_bench},
            model=draft.provenance.model,
            prompt_hash=draft.provenance.prompt_hash,
            context_id=draft.provenance.context_id,
            parent_task=draft.provenance.parent_task,
        )
        duplicate = find_duplicate(draft.text, known, self.settings.duplicate_jaccard)
        if duplicate is not None:
            row.status, row.reason = ProposedStatus.DUPLICATE, duplicate.describe()
            row.duplicate_of = duplicate.of.task_id
            report.duplicates += 1
            self.record(row)
            return None
        check = validate_coding(self.ctx, base, draft)
        row.reason = check.reason
        if check.accepted:
            row.status = ProposedStatus.ACCEPTED
            row.payload = {
                **(row.payload or {}),
                "test_patch": check.test_patch,
                "FAIL_TO_PASS": check.fail_to_pass,
                "PASS_TO_PASS": check.pass_to_pass,
            }
            report.accepted += 1
        else:
            report.rejected += 1
        stored = self.record(row)
        # Rejected texts are known too: the proposer must not get credit for rephrasing them.
        known.append(Known(stored.id, draft.text, digest))
        self.on_progress(f"  task {stored.id} {stored.status.value}: {check.reason}")
        return stored if check.accepted else None

    def _attempt(
        self, accepted: list[tuple[ProposedTask, SWEBenchTask]], report: PAEReport
    ) -> None:
        tasks = [task for _, task in accepted]
        bench = SWEBenchmark(name="pae", task_list=tasks)
        results = evaluate_tasks(self.ctx, bench, tasks, self.solver)
        judge = Judge(self.llm)
        rows: list[JudgedAttempt] = []
        for (task_row, task), result in zip(accepted, results, strict=True):
            rows.append(self._judged(judge, task_row, task, result))
            report.attempts += 1
        report.judged_success = sum(1 for r in rows if r.judge_success)
        report.audit = self._audit("coding", judge, rows)

    def _judged(
        self, judge: Judge, task_row: ProposedTask, task: SWEBenchTask, result: TaskResult
    ) -> JudgedAttempt:
        messages = trajectory_from_log(result.log)
        verdict = judge.coding(task.problem(), result.patch, last_steps(messages or []))
        stored = result.stored()
        row = JudgedAttempt(
            task_id=task.task_id,
            proposed_task_id=task_row.id,
            node_id=self.node_id,
            kind="coding",
            judge_model=verdict.model,
            judge_success=verdict.success,
            judge_reason=verdict.reason,
            judge_error=verdict.error,
            ground_truth=None if result.outcome == "error" else result.resolved,
            outcome=result.outcome,
            problem=task.problem(),
            patch=stored.patch,
            trajectory=stored_trajectory(messages),
            details={"reason": stored.reason, "tests": result.tests},
        )
        stored = self.record(row)
        shown = "error" if verdict.success is None else ("success" if verdict.success else "fail")
        self.on_progress(f"  {task.task_id}: tests {result.outcome}, judge {shown}")
        return stored

    def _audit(self, kind: str, judge: Judge, rows: list[JudgedAttempt]) -> AuditResult:
        result = audit(
            ((r.judge_success, r.ground_truth) for r in rows), self.settings.judge_min_agreement
        )
        stored = self.record(
            JudgeAudit(
                kind=kind,
                judge_model=judge.llm.model_for("judge"),
                judged=result.judged,
                judge_errors=result.judge_errors,
                agreement=result.agreement,
                true_pos=result.true_pos,
                false_pos=result.false_pos,
                false_neg=result.false_neg,
                true_neg=result.true_neg,
                min_agreement=result.min_agreement,
                flagged=result.flagged,
            )
        )
        self.on_progress(result.describe())
        self._link(rows, stored.id)
        return result

    def _link(self, rows: list[JudgedAttempt], audit_id: int | None) -> None:
        for index, row in enumerate(rows):
            row.audit_id = audit_id
            rows[index] = self.record(row)
