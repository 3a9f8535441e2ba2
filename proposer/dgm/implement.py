"""Implement: a coding agent edits a checkout of the parent's repository; its diff is the child.

Self-referential mode (DGM's default) runs the parent agent itself, so an agent that got better
at coding also gets better at improving itself. Fixed-proposer mode runs the pinned seed coding
agent instead, which separates "the agent improved" from "the agent improved its improver".

Either way the editor runs exactly like an evaluated agent (`evaluator.runner.run_agent`): a
fresh sandbox, the workspace a git repository of the parent's tree at the parent commit, the
diagnosis' `problem_description` as its problem, and models only through a per-sandbox gateway
whose every call goes to the loop's `on_llm_call`. The editor asks for the "agent" role; the
gateway maps it to `models.implement` when that is set.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from godelbox.agent_text import cap_text
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution
from godelbox.evaluator.runner import run_agent
from godelbox.evaluator.workspace import commit_snapshot, git_env, plain_copy, plain_view
from godelbox.llm.fit import model_limits
from godelbox.proposer.base import LLMCallSink, ProposalError
from godelbox.proposer.dgm.diagnose import Diagnosis
from godelbox.proposer.dgm.prompts import DGMPrompts, render
from godelbox.proposer.llm import LLMClient
from godelbox.sandbox.gateway import Gateway
from godelbox.sandbox.recording import PURPOSE_SELF_EDIT, Recorder, recording_settings

PARENT_COMMIT_MESSAGE = "parent agent"
EDITOR_ROLE = "agent"
"""The role the editor asks the gateway for (what every agent asks for by contract)."""


@dataclass(frozen=True)
class Implementation:
    child_dir: Path
    patch: str
    """The editor's diff of the parent's tree; empty when it changed nothing."""
    solution: Solution
    role: str
    """The model role the editor's calls were billed to (implement, or agent as a fallback)."""


def implement(
    llm: LLMClient,
    ctx: EvalContext,
    parent_dir: Path,
    editor_dir: Path,
    diagnosis: Diagnosis,
    workdir: Path,
    on_llm_call: LLMCallSink,
    *,
    prompts: DGMPrompts,
    timeout_s: float,
    record: bool = False,
) -> Implementation:
    """Run the agent at `editor_dir` on a repository of `parent_dir`; the child tree goes to
    `workdir/child`. A sandbox failure raises ProposalError; a timeout keeps the work so far."""
    editor = plain_view(editor_dir, workdir / "editor")
    problem = render(
        prompts.implement_problem,
        problem_description=diagnosis.problem_description.strip(),
        implementation_suggestion=diagnosis.implementation_suggestion.strip() or "(none)",
    )
    role = "implement" if llm.models.implement else EDITOR_ROLE
    aliases = {EDITOR_ROLE: role} if role != EDITOR_ROLE else {}
    section = llm.llm
    recorder = None
    if record:
        settings = recording_settings(
            llm, (role,), section.self_edit_budget_usd, section.self_edit_budget_tokens
        )
        limit = int(section.record_sandbox_mb * 1024 * 1024)
        recorder = Recorder("", PURPOSE_SELF_EDIT, settings, limit)
    try:
        with Gateway(
            llm,
            on_call=on_llm_call,
            budget_usd=section.self_edit_budget_usd,
            budget_tokens=section.self_edit_budget_tokens,
            roles=(role,),
            aliases=aliases,
            recorder=recorder,
        ) as gateway:
            run_ctx = replace(
                ctx,
                gateway_socket=gateway.socket_path,
                gateway_token=gateway.token,
                task_timeout_s=timeout_s,
                llm_model=EDITOR_ROLE,
                **model_limits(llm, role),
            )
            with _parent_repository(ctx, parent_dir, workdir) as workspace:
                solution = run_agent(run_ctx, editor, workspace, problem)
    finally:
        if recorder is not None:
            on_llm_call(recorder.tape())
    if solution.ended == "error":
        raise ProposalError(f"the implement step could not run: {solution.detail}")
    child = plain_copy(parent_dir, workdir / "child")
    apply_patch(child, solution.patch)
    return Implementation(child, solution.patch, solution, role)


@contextlib.contextmanager
def _parent_repository(ctx: EvalContext, parent_dir: Path, workdir: Path) -> Iterator[Path]:
    """The parent's tree as a one-commit repository; the editor's sandbox gets a copy of it."""
    if ctx.pristine is not None:
        with ctx.pristine.snapshot(parent_dir, PARENT_COMMIT_MESSAGE) as workspace:
            yield workspace
        return
    workspace = plain_copy(parent_dir, workdir / "workspace")
    commit_snapshot(workspace, PARENT_COMMIT_MESSAGE)
    yield workspace


def apply_patch(tree: Path, patch: str) -> None:
    """Apply a `diff_trees` patch to the plain directory `tree` in place.

    git apply runs outside any repository: the ceiling stops its search for one at `tree`, so
    a `workdir` that sits inside some other repository cannot change which root the patch
    paths are read against."""
    if not patch.strip():
        return
    env = git_env(tree)
    env["GIT_CEILING_DIRECTORIES"] = str(tree.resolve().parent)
    done = subprocess.run(
        ["git", "apply", "--binary", "--whitespace=nowarn", "-"],
        cwd=tree,
        env=env,
        input=patch.encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace")
        raise ProposalError(
            f"the editor's diff does not apply to the parent: {cap_text(stderr, 500)}"
        )
