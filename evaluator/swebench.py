"""SWE-bench format adapter: a JSONL of instances with local workspaces or prebuilt images.

Where the repository comes from, per instance (the official harness clones GitHub; we cannot):
- `workspace`: a local directory or tarball (.tar, .tar.gz, .tgz). A git repository is cloned
  locally and checked out at `base_commit`; a plain tree becomes a one-commit repository.
  A relative path is resolved against the JSONL file's directory.
- `image`: a prebuilt local image holding the repository at `metadata.image_workdir`
  (default `/testbed`, SWE-bench's layout) and its environment; the agent and the grader then
  run in that image, with `metadata.python` (default `python3`) running the tests.
The built-in suite uses the same task class with its own materializer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from godelbox.errors import UserError
from godelbox.evaluator.benchmark import GradeItem, Task
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.grading import grade_swebench
from godelbox.evaluator.patching import swebench_guard, touched_paths
from godelbox.evaluator.results import Grade
from godelbox.evaluator.swebench_format import InvalidInstanceError, SWEInstance
from godelbox.evaluator.swebench_harness import REPOS, official_image
from godelbox.evaluator.workspace import commit_snapshot, git_env, write_files
from godelbox.sandbox.base import WORK_DIR, CopyLimits, SandboxError, SandboxSpec

IMAGE_SNAPSHOT_COPY = CopyLimits(
    total_mb=8192, files=2_000_000, depth=256, file_mb=2048, path_bytes=4096
)
"""Copy-out limits for a task image's repository (history included): trusted data, still
bounded."""

Materializer = Callable[[SWEInstance, Path], str]
"""Writes the instance's repository at `dest` (a git repo at the base commit); returns the sha."""


class WorkspaceUnavailableError(UserError):
    """An instance names no usable repository snapshot."""


@dataclass(frozen=True)
class SWEBenchTask:
    instance: SWEInstance
    materializer: Materializer | None = None
    ctx: EvalContext | None = field(default=None, compare=False, repr=False)
    """Needed only to copy a repository out of a prebuilt image."""

    @property
    def task_id(self) -> str:
        return self.instance.instance_id

    @property
    def image(self) -> str | None:
        """The row's `image`; for an official row with no workspace, the harness's own
        instance image name (`sweb.eval.x86_64.<id>:latest`), which must be on this machine."""
        inst = self.instance
        if inst.image or inst.workspace is not None or self.materializer is not None:
            return inst.image
        return official_image(inst.instance_id) if inst.repo in REPOS else None

    def problem(self) -> str:
        return self.instance.problem_statement

    def oracle_patch(self) -> str:
        return self.instance.patch

    def hidden_tests(self) -> str:
        """The test patch the grader applies after the agent is done (see `hidden_tests`)."""
        return self.instance.test_patch

    def materialize(self, dest: Path) -> None:
        if self.materializer is not None:
            self.materializer(self.instance, dest)
        elif self.instance.workspace is not None:
            materialize_local(self.instance, dest)
        elif self.image is not None:
            self._from_image(dest)
        else:
            raise WorkspaceUnavailableError(
                f"task {self.task_id} has neither a `workspace` (a directory or tarball of the "
                "repository) nor an `image` (a prebuilt local image); add one of them to its row"
            )

    def _from_image(self, dest: Path) -> None:
        if self.ctx is None:
            raise WorkspaceUnavailableError(
                f"task {self.task_id}: reading a repository from an image needs a sandbox"
            )
        workdir = str(self.instance.metadata.get("image_workdir", "/testbed"))
        image = self.image or ""
        require_image(self.task_id, image)
        # The task's own image, not an agent's tree: bounded like one, but as large as a
        # repository with its history can be.
        limits = replace(self.ctx.limits, copy_out=IMAGE_SNAPSHOT_COPY)
        spec = SandboxSpec(image=image, limits=limits)
        staged = f"{WORK_DIR}/snapshot"
        try:
            with self.ctx.backend.start(spec) as box:
                # Sandboxes only hand out their work dir: stage the repository there first.
                copied = box.run(["cp", "-a", workdir, staged], 600.0)
                if not copied.ok:
                    raise SandboxError(copied.stderr.strip() or f"cp ended: {copied.ended}")
                box.copy_out(staged, dest)
        except SandboxError as err:
            raise WorkspaceUnavailableError(
                f"task {self.task_id}: could not read {workdir} from image {image}: {err}"
            ) from None
        if not (dest / ".git").is_dir():
            commit_snapshot(dest)


def require_image(task_id: str, image: str) -> None:
    """Fail with the image's name (and where it comes from) when it is not on this machine.
    The published form of an official name (`swebench/..._1776_...`) is tagged with the local
    one when only it is present."""
    from godelbox.sandbox.engine import require_client
    from godelbox.sandbox.image import image_exists

    client = require_client()
    if image_exists(client, image):
        return
    published = ""
    if image.startswith("sweb.eval."):
        instance = image.split(".", 3)[3].rsplit(":", 1)[0]
        published = official_image(instance, namespace="swebench")
        if image_exists(client, published):
            repository, _, tag = image.rpartition(":")
            client.images.get(published).tag(repository, tag)
            return
    also = f" (nor its published name {published})" if published else ""
    raise WorkspaceUnavailableError(
        f"task {task_id}: the prebuilt image {image} is not on this machine{also}. Build it "
        "with the SWE-bench harness or `docker load` a saved copy, or give the row a "
        "`workspace` (a local checkout or tarball of the repository)"
    )


def materialize_local(instance: SWEInstance, dest: Path) -> str:
    """Lay out `instance.workspace` (directory or tarball) at `dest` at `base_commit`."""
    source = instance.workspace
    assert source is not None
    if not source.exists():
        raise WorkspaceUnavailableError(
            f"task {instance.instance_id}: workspace {source} does not exist"
        )
    if source.is_dir():
        return _from_tree(instance, source, dest)
    if tarfile.is_tarfile(source):
        with (
            tempfile.TemporaryDirectory(prefix="godelbox-tar-") as tmp,
            tarfile.open(source) as tar,
        ):
            tar.extractall(tmp, filter="data")
            entries = list(Path(tmp).iterdir())
            root = entries[0] if len(entries) == 1 and entries[0].is_dir() else Path(tmp)
            return _from_tree(instance, root, dest)
    raise WorkspaceUnavailableError(
        f"task {instance.instance_id}: workspace {source} is neither a directory nor a tarball"
    )


def materialize_files(instance: SWEInstance, dest: Path) -> str:
    """A generated task's repository, held as text in `metadata["files"]` (QuixBugs, mutants),
    as a one-commit git repository; returns its sha."""
    write_files(instance.metadata["files"], dest)
    return commit_snapshot(dest)


def _from_tree(instance: SWEInstance, source: Path, dest: Path) -> str:
    if (source / ".git").exists():
        env = git_env(dest.parent)
        _run_git(["git", "clone", "-q", "--no-checkout", str(source), str(dest)], None, env)
        checkout = subprocess.run(
            ["git", "checkout", "-q", "--detach", instance.base_commit],
            cwd=dest,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if checkout.returncode != 0:
            raise WorkspaceUnavailableError(
                f"task {instance.instance_id}: base_commit {instance.base_commit} is not in "
                f"{source}: {checkout.stderr.strip()}"
            )
        _run_git(["git", "remote", "remove", "origin"], dest, env)
        return instance.base_commit
    shutil.copytree(source, dest, symlinks=True)
    return commit_snapshot(dest)


def _run_git(argv: list[str], cwd: Path | None, env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise WorkspaceUnavailableError(f"{' '.join(argv[:2])} failed: {done.stderr.strip()}")


@dataclass
class SWEBenchmark:
    name: str
    task_list: list[SWEBenchTask]
    batch_size: int = 1
    max_tries: int = 1
    control: bool = True
    """Grade untrusted answers with a control run (docs/integrity.md). Off only to measure
    what the control costs (bench/integrity.py)."""

    def tasks(self) -> list[Task]:
        return list(self.task_list)

    def grade(self, ctx: EvalContext, items: Sequence[GradeItem]) -> list[Grade]:
        return [self._grade_one(ctx, item) for item in items]

    def _grade_one(self, ctx: EvalContext, item: GradeItem) -> Grade:
        task = item.task
        assert isinstance(task, SWEBenchTask)
        inst = task.instance
        return grade_swebench(
            ctx,
            item.workspace,
            item.solution.patch,
            guard=swebench_guard(touched_paths(inst.test_patch)),
            test_patch=inst.test_patch,
            fail_to_pass=inst.FAIL_TO_PASS,
            pass_to_pass=inst.PASS_TO_PASS,
            image=task.image,
            python=str(inst.metadata.get("python", "python3")),
            repo=inst.repo,
            version=inst.version,
            control=self.control,
        )

    def retry_problem(self, task: Task, grade: Grade) -> str | None:
        return None


def load_jsonl(path: Path) -> list[SWEInstance]:
    """Read SWE-bench instances, one JSON object per line; relative workspaces are resolved
    against the file's directory."""
    if not path.is_file():
        raise UserError(f"SWE-bench file {path} does not exist; pass a JSONL of instances")
    instances: list[SWEInstance] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise InvalidInstanceError(f"{path}:{number}: not valid JSON ({err})") from None
        if not isinstance(row, dict):
            raise InvalidInstanceError(f"{path}:{number}: expected a JSON object per line")
        workspace = row.get("workspace")
        if workspace and not Path(workspace).is_absolute():
            row = {**row, "workspace": str((path.parent / workspace).resolve())}
        instances.append(SWEInstance.from_dict(row))
    ids = [inst.instance_id for inst in instances]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InvalidInstanceError(f"{path}: duplicate instance ids {', '.join(duplicates)}")
    if not instances:
        raise InvalidInstanceError(f"{path} holds no instances")
    return instances


def swebench_benchmark(path: Path, ctx: EvalContext | None = None) -> SWEBenchmark:
    tasks = [SWEBenchTask(inst, ctx=ctx) for inst in load_jsonl(path)]
    return SWEBenchmark(name=f"swebench:{path}", task_list=tasks)


def builtin_benchmark(split: str) -> SWEBenchmark:
    from godelbox.evaluator import builtin

    instances = builtin.load_builtin(split)  # type: ignore[arg-type]
    if not instances:
        raise UserError(f"the built-in suite has no tasks in split {split!r}")
    tasks = [SWEBenchTask(inst, materializer=builtin.materialize) for inst in instances]
    return SWEBenchmark(name=f"builtin:{split}", task_list=tasks)
