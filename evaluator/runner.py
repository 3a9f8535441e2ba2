"""Run an agent on one task inside a fresh sandbox, following `evaluator.contract`.

The agent directory, the workspace and the problem go in; the agent runs with its time budget;
the workspace tree and the logs come out. The answer (a diff) is computed on the host between
the pristine tree and the copied-out tree with the agent's `.git` removed, so nothing the agent
did to its repository's metadata matters. Hidden tests never enter this sandbox.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from godelbox import trees
from godelbox.agent_text import cap_text
from godelbox.evaluator import contract
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import Solution
from godelbox.evaluator.workspace import JUNK, DiffTooLarge, diff_trees, plain_view
from godelbox.sandbox.base import GATEWAY_SOCKET, ExecResult, SandboxError

LOG_FILE_CAP = 64_000
"""Per file under LOG_DIR, before the whole log is capped by `EvalContext.log_cap_bytes`."""


def run_agent(
    ctx: EvalContext,
    agent_dir: Path,
    workspace: Path,
    problem: str,
    *,
    baseline: Path | None = None,
    image: str | None = None,
) -> Solution:
    """Run the agent at `agent_dir` on `workspace` (a git repo at the base commit, possibly with
    changes of an earlier attempt); return its diff against `baseline` (default: `workspace`)."""
    baseline = baseline or workspace
    started = time.monotonic()
    with ctx.trash.temporary("godelbox-run-") as scratch:
        task_dir = scratch / "task"
        task_dir.mkdir()
        (task_dir / Path(contract.PROBLEM_FILE).name).write_text(problem, encoding="utf-8")
        plain_view(baseline, scratch / "diff" / "a")
        result: ExecResult | None = None
        copy_error = ""
        """Why the answer was not taken (refused copy, diff past its bound); empty if it was."""
        notes: list[str] = []
        try:
            with ctx.backend.start(ctx.spec(image, gateway=ctx.gateway_socket is not None)) as box:
                box.copy_in(agent_dir, contract.AGENT_DIR)
                box.copy_in(workspace, contract.WORKSPACE_DIR)
                box.copy_in(task_dir, contract.TASK_DIR)
                result = box.run(
                    # LOG_DIR is made by the same exec: one engine round trip fewer per task.
                    [
                        "sh",
                        "-c",
                        'mkdir -p "$0" && exec "$@"',
                        contract.LOG_DIR,
                        *contract.ENTRYPOINT,
                    ],
                    ctx.task_timeout_s,
                    workdir=contract.WORKSPACE_DIR,
                    env=agent_env(ctx),
                )
                try:
                    # The agent's .git and caches never reach the host.
                    copied = box.copy_out(contract.WORKSPACE_DIR, scratch / "diff" / "b", skip=JUNK)
                    notes.append(copied.note())
                except (SandboxError, OSError) as err:
                    # e.g. a link pointing out of the workspace, or a tree over a copy-out
                    # limit: refused whole, never followed or half taken.
                    copy_error = f"could not copy the workspace out: {err}"
                # Logs are best effort: the agent may have removed or poisoned them.
                try:
                    notes.append(box.copy_out(contract.LOG_DIR, scratch / "logs").note())
                except (SandboxError, OSError) as err:
                    notes.append(f"the log directory was not copied: {err}")
        except SandboxError as err:
            return Solution(
                patch="",
                log=str(err),
                duration_s=time.monotonic() - started,
                ended="error",
                exit_code=None,
                detail=f"sandbox error: {err}",
                infra=True,
            )
        patch = ""
        answer = scratch / "diff" / "b"
        if answer.is_dir() and not answer.is_symlink():
            try:
                patch = diff_trees(scratch / "diff")
            except DiffTooLarge as err:
                copy_error = f"could not take the agent's answer: {err}"
        log = collect_log(result, scratch / "logs", ctx.log_cap_bytes, notes)
    assert result is not None
    if copy_error:
        return Solution(
            patch="",
            log=log,
            duration_s=time.monotonic() - started,
            ended="error",
            exit_code=result.exit_code,
            detail=copy_error,
        )
    detail = ""
    if result.ended == "output_cap":
        detail = "the agent's output passed the cap and it was stopped"
    return Solution(
        patch=patch,
        log=log,
        duration_s=time.monotonic() - started,
        ended=result.ended,
        exit_code=result.exit_code,
        detail=detail,
    )


def agent_env(ctx: EvalContext) -> dict[str, str]:
    env = {
        contract.ENV_TIME_BUDGET: str(int(ctx.task_timeout_s)),
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        contract.ENV_ATTEMPT_SEED: str(ctx.attempt_seed),
        # Set iteration order must not vary between two runs of the same agent (seeded
        # offline runs must produce the same archive, whatever an evolved agent iterates over).
        "PYTHONHASHSEED": "0",
    }
    if ctx.gateway_socket is not None:
        env[contract.ENV_LLM_SOCKET] = GATEWAY_SOCKET
        env[contract.ENV_LLM_MODEL] = ctx.llm_model
        env[contract.ENV_LLM_TOKEN] = ctx.gateway_token
        if ctx.llm_context_window:
            env[contract.ENV_LLM_CONTEXT_WINDOW] = str(ctx.llm_context_window)
        if ctx.llm_max_tokens:
            env[contract.ENV_LLM_MAX_TOKENS] = str(ctx.llm_max_tokens)
    return env


def collect_log(
    result: ExecResult | None, log_dir: Path, cap: int, notes: Sequence[str] = ()
) -> str:
    """The agent's stdout/stderr and the files it wrote under LOG_DIR, capped to `cap` bytes,
    plus the harness's `notes` (what a copy-out left out). Files are read only until twice the
    cap is collected: a log dir of thousands of files costs no more than a small one."""
    parts: list[str] = []
    if result is not None:
        code = "" if result.exit_code is None else f" exit={result.exit_code}"
        parts.append(f"== agent ended: {result.ended}{code} after {result.duration_s:.1f}s ==")
        if result.stdout:
            parts.append(f"== stdout ==\n{result.stdout}")
        if result.stderr:
            parts.append(f"== stderr ==\n{result.stderr}")
    parts.extend(f"== godelbox: {note} ==" for note in notes if note)
    if log_dir.is_dir():
        paths = sorted(trees.files(log_dir))
        used = sum(len(p) for p in parts)
        for index, path in enumerate(paths):
            if used > 2 * cap:
                parts.append(f"[... {len(paths) - index} more log files not read ...]")
                break
            with path.open("rb") as fh:
                data = fh.read(LOG_FILE_CAP + 1)
            text = data[:LOG_FILE_CAP].decode("utf-8", errors="replace")
            more = " (truncated)" if len(data) > LOG_FILE_CAP else ""
            parts.append(f"== {path.relative_to(log_dir)}{more} ==\n{text}")
            used += len(parts[-1])
    return cap_text("\n".join(parts), cap)
