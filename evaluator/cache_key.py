"""What one task's evaluation outcome depends on: the key of the evaluation cache.

An outcome is a function of (agent tree, task content, sandbox, grader, model configuration,
attempt seed), and the key holds each of these as a digest of the thing itself, never as a name
someone must remember to change:
- agent: every entry the sandbox receives (paths, modes, contents, link targets), or for the
  reference solutions the digest of the reference answer;
- task: its id, its problem statement, its pristine workspace (files and the commit the agent
  sees) and every field of the task record (hidden tests, test ids, images, metadata);
- sandbox: the backend, the identity of the image as the engine knows it (its content id, not
  its tag), and every limit and timeout;
- grader: the syntax trees of all evaluator and sandbox code, the grading supervisor and control
  runs included, and of every godelbox module that code imports (docstrings and comments
  dropped, so rewording them keeps the cache), plus the host's Python and git, which compute
  diffs and unpack answers. Any change to how answers are run, filtered, applied or graded
  changes it;
- model: "offline", or the model and LLM settings an agent's gateway serves;
- seed: the attempt seed the agent is given (`GODELBOX_ATTEMPT_SEED`): a new seed is a new sample.

Anything a component cannot pin down (an unsafe host run, a task record holding an object with
no stable form) raises `Uncacheable`, and that evaluation simply runs.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from godelbox import python_ast
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.workspace import content_digest, is_junk

KEY_FORMAT = 1
"""Bumped only if the key's own layout changes (the code digest covers this module anyway)."""

GRADER_PACKAGES = ("godelbox.evaluator", "godelbox.sandbox")
"""Code that decides an outcome: how the agent is run and its answer taken, filtered, applied
and graded, and how sandboxes behave."""
TASK_DATA = ("evaluator/builtin/tasks",)
"""Benchmark data inside those packages: each task's own part of the key covers it, so a new
or edited task does not change every other task's key."""


class Uncacheable(Exception):
    """An evaluation whose inputs cannot be pinned down: it runs uncached."""


@dataclass(frozen=True)
class EvalKey:
    agent: str
    task: str
    sandbox: str
    grader: str
    model: str
    seed: int

    def as_dict(self) -> dict[str, Any]:
        return {"format": KEY_FORMAT, **dataclasses.asdict(self)}

    @functools.cached_property
    def digest(self) -> str:
        return hashlib.sha256(canonical_json(self.as_dict()).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _digest_text(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogateescape")
        h.update(str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


# -- agent -----------------------------------------------------------------------------------


def agent_identity(agent_dir: Path) -> str:
    """Everything `Sandbox.copy_in(agent_dir)` hands the agent (not mtimes or owners, which
    the sandbox restamps)."""
    return "tree:" + content_digest(agent_dir)


def oracle_identity(task: Task) -> str:
    return "oracle:" + _digest_text(task.oracle_patch())


# -- task ------------------------------------------------------------------------------------


def task_identity(task: Task, pristine: Path) -> str:
    """`<task id>@<digest>` of what the agent and the grader get from the task."""
    record = _stable(task) if dataclasses.is_dataclass(task) else None
    if record is None:
        raise Uncacheable(f"task {task.task_id} is not a plain record ({type(task).__name__})")
    digest = _digest_text(
        task.task_id,
        task.problem(),
        canonical_json(record),
        content_digest(pristine, leave_out=lambda rel: rel == ".git"),
        _head_commit(pristine),
    )
    return f"{task.task_id}@{digest}"


def _head_commit(repo: Path) -> str:
    """The commit the workspace's history ends in (it covers every earlier commit)."""
    if not (repo / ".git").exists():
        return ""
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", "HEAD"],
        cwd=repo,
        env={"PATH": os.environ.get("PATH", ""), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)},
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def _stable(value: Any) -> Any:
    """`value` as JSON-able data with one spelling per value; Uncacheable for anything else."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _stable(value.value)
    if isinstance(value, Path):
        return {"path": str(value)}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    if isinstance(value, list | tuple):
        return [_stable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _stable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # compare=False marks helpers that are not part of the value (e.g. an EvalContext).
        fields = [f for f in dataclasses.fields(value) if f.compare]
        return {
            "type": f"{type(value).__module__}.{type(value).__qualname__}",
            **{f.name: _stable(getattr(value, f.name)) for f in fields},
        }
    if callable(value) and hasattr(value, "__qualname__"):
        # A materializer: its code is part of the grader digest, its output of the workspace's.
        return {"function": f"{value.__module__}.{value.__qualname__}"}
    raise Uncacheable(f"no stable form for a {type(value).__name__}")


# -- sandbox ---------------------------------------------------------------------------------


def sandbox_identity(ctx: EvalContext, image: str | None) -> str:
    """The backend, the image's content id and every setting that bounds a run."""
    name = image or ctx.image
    pinned = ctx.backend.image_identity(name)
    if pinned is None:
        raise Uncacheable(f"the {ctx.backend.name} backend cannot pin down image {name}")
    settings = {
        "backend": ctx.backend.name.split("+")[0],  # a warm pool starts the same sandboxes
        "image": pinned,
        "limits": dataclasses.asdict(ctx.limits),
        "task_timeout_s": ctx.task_timeout_s,
        "grade_timeout_s": ctx.grade_timeout_s,
        "log_cap_bytes": ctx.log_cap_bytes,
        "tries": ctx.tries,
        "llm_model": ctx.llm_model,
    }
    return f"{settings['backend']}:{pinned}:{_digest_text(canonical_json(settings))[:16]}"


# -- grader ----------------------------------------------------------------------------------


@functools.cache
def grader_version() -> str:
    """The digest of the code that decides outcomes (`GRADER_PACKAGES` and every godelbox
    module they import) and of the host tools it leans on. Computed once per process."""
    return code_version(grader_files(), extra=(sys.version, _git_version()))


def grader_files() -> list[tuple[str, Path]]:
    import importlib

    roots = [Path(next(iter(importlib.import_module(p).__path__))) for p in GRADER_PACKAGES]
    return code_files(roots, leave_out=TASK_DATA, follow="godelbox")


def code_files(
    roots: Iterable[Path], leave_out: Iterable[str] = (), follow: str | None = None
) -> list[tuple[str, Path]]:
    """(name, path) of every file under `roots` (named `<root name>/<relative path>`) but
    `leave_out`, and, with `follow`, of every module named `follow` or below it that those
    modules import, directly or through each other, at the top or inside a function (named
    `module:<dotted name>`): code outside the roots that decides an outcome (log caps, tree
    copies, configuration defaults) is part of it too."""
    skipped = {p.rstrip("/") for p in leave_out}
    files: list[tuple[str, Path]] = []
    for root in roots:
        for directory, dirs, names in os.walk(root):
            rel_dir = Path(root.name, Path(directory).relative_to(root)).as_posix()
            dirs[:] = [d for d in dirs if f"{rel_dir}/{d}" not in skipped and not is_junk(d)]
            files += [(f"{rel_dir}/{n}", Path(directory, n)) for n in names if not is_junk(n)]
    if follow is not None:
        files += _imported(files, follow)
    return sorted(files)


def _imported(files: list[tuple[str, Path]], prefix: str) -> list[tuple[str, Path]]:
    """Modules under `prefix` that `files` import, followed iteratively, outside `files`."""
    known = {path.resolve() for _, path in files}
    found: list[tuple[str, Path]] = []
    stack = [path for _, path in files if path.suffix == ".py"]
    while stack:
        for name in _imports_of(stack.pop(), prefix):
            path = _module_file(name)
            if path is not None and path.resolve() not in known:
                known.add(path.resolve())
                found.append((f"module:{name}", path))
                stack.append(path)
    return found


def _imports_of(path: Path, prefix: str) -> set[str]:
    """Absolute imports of `prefix` modules in `path`; `from a import b` may name module a.b."""
    names: set[str] = set()
    for node in ast.walk(python_ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return {n for n in names if n == prefix or n.startswith(prefix + ".")}


def _module_file(name: str) -> Path | None:
    """The source file of module `name`; None for a name that is not a module (a class)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def code_version(files: Iterable[tuple[str, Path]], extra: Iterable[str] = ()) -> str:
    """A digest of `files` (`code_files`): Python modules by their syntax tree without
    docstrings (changing what the code does changes it, rewording a comment or docstring does
    not), any other file (a script, a plugin's data) byte for byte."""
    parts: list[str] = list(extra)
    for name, path in files:
        parts.append(name)
        if path.suffix == ".py":
            parts.append(_code_shape(path.read_text(encoding="utf-8")))
        else:
            parts.append(path.read_bytes().hex())
    return _digest_text(*parts)[:32]


def _code_shape(source: str) -> str:
    tree = python_ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def _git_version() -> str:
    try:
        return subprocess.run(
            ["git", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "no git"


# -- model -----------------------------------------------------------------------------------

OFFLINE = "offline"


def model_identity(models: Mapping[str, Any], llm: Mapping[str, Any]) -> str:
    """The models a gateway serves and the settings that shape its answers (retries, budgets,
    prices), with the LLM client's code and litellm's version. The run-wide dollar budget only
    decides whether a task starts, so it is not part of it."""
    from importlib.metadata import PackageNotFoundError, version

    import godelbox.llm.client as client_module

    try:
        litellm = version("litellm")
    except PackageNotFoundError:
        litellm = "none"
    settings = {k: v for k, v in llm.items() if k != "run_budget_usd"}
    client = _code_shape(Path(client_module.__file__ or "").read_text(encoding="utf-8"))
    return "llm:" + _digest_text(
        canonical_json(dict(models)), canonical_json(settings), client, litellm
    )
