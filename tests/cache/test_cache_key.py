"""The evaluation cache's key: every input of an outcome changes it, nothing else does, and an
evaluation is served from the cache exactly when its whole key was stored before. These tests
run the cache around a stand-in evaluation (no sandbox); tests/cache/test_cache_docker.py does
it for real."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from godelbox.config import load_config
from godelbox.evaluator import cache as cache_module
from godelbox.evaluator.cache import CacheScope, EvalCache, cache_policy
from godelbox.evaluator.cache_key import (
    OFFLINE,
    Uncacheable,
    agent_identity,
    code_files,
    code_version,
    grader_files,
    task_identity,
)
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.workspace import commit_snapshot
from godelbox.sandbox.base import Limits

GRADER = '''"""A grader."""


def grade(answer):
    """Resolved when the answer is 42."""
    return answer == 42  # the rule
'''


def version_of(*roots: Path, **kwargs: object) -> str:
    return code_version(code_files(roots, **kwargs))  # type: ignore[arg-type]


def test_code_version_follows_code_not_words(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "grading.py").write_text(GRADER)
    first = version_of(pkg)
    (pkg / "grading.py").write_text(
        GRADER.replace("Resolved when", "True when").replace("# the rule", "# rule")
    )
    assert version_of(pkg) == first, "docstrings and comments are not behaviour"
    (pkg / "grading.py").write_text(GRADER.replace("== 42", ">= 42"))
    assert version_of(pkg) != first
    (pkg / "grading.py").write_text(GRADER)
    (pkg / "patching.py").write_text("MARK = 'applied'\n")
    second = version_of(pkg)
    assert second != first, "a new module is new code"
    assert code_version(code_files([pkg]), extra=["Python 3.12"]) != second
    (pkg / "apply.sh").write_text('git apply "$1"\n')
    third = version_of(pkg)
    assert third != second, "a script the grader runs is code too"
    (pkg / "tasks" / "t1").mkdir(parents=True)
    (pkg / "tasks" / "t1" / "task.json").write_text("{}")
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "grading.cpython-311.pyc").write_bytes(b"\0")
    assert version_of(pkg, leave_out=["pkg/tasks"]) == third, "task data is not code"


def test_code_outside_the_packages_that_they_import_is_part_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A helper module the grader imports (even inside a function, even through another
    helper) decides outcomes as much as the grader does."""
    top = tmp_path / "gxtop"
    (top / "grading").mkdir(parents=True)
    (top / "__init__.py").write_text("")
    (top / "grading" / "__init__.py").write_text("")
    (top / "grading" / "verdict.py").write_text(
        "def verdict(out):\n    from gxtop import caps\n    return caps.cap(out) == 'ok'\n"
    )
    (top / "caps.py").write_text("from gxtop.limits import LIMIT\ndef cap(s): return s[:LIMIT]\n")
    (top / "limits.py").write_text("LIMIT = 2\n")
    (top / "unrelated.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    files = code_files([top / "grading"], follow="gxtop")
    assert [n for n, _ in files if n.startswith("module:")] == [
        "module:gxtop",
        "module:gxtop.caps",
        "module:gxtop.limits",
    ]
    first = code_version(files)
    (top / "limits.py").write_text("LIMIT = 3\n")
    assert code_version(code_files([top / "grading"], follow="gxtop")) != first
    (top / "limits.py").write_text("LIMIT = 2\n")
    (top / "unrelated.py").write_text("X = 2\n")
    assert code_version(code_files([top / "grading"], follow="gxtop")) == first


def test_the_grader_version_covers_the_grading_supervisor_and_controls() -> None:
    """Issue 13's verdict machinery, the sandbox's copy-out rules and the host helpers they
    use are all in the digest: changing how a grade (or `tampered`) is decided is a new key."""
    names = {name for name, _ in grader_files()}
    for needed in (
        "evaluator/grading.py",
        "evaluator/verdict.py",
        "evaluator/controls.py",
        "evaluator/test_runner.py",
        "evaluator/grader/supervise.py",
        "evaluator/grader/pytest_session.py",
        "sandbox/copyout.py",
        "sandbox/docker.py",
        "module:godelbox.agent_text",
        "module:godelbox.trees",
    ):
        assert needed in names
    assert not any(n.startswith("evaluator/builtin/tasks/") for n in names)
    assert not any(n.startswith(("module:godelbox.loop", "module:godelbox.cli")) for n in names)


def test_agent_identity_sees_every_byte_the_sandbox_gets(tmp_path: Path) -> None:
    agent = tmp_path / "agent"
    (agent / "lib").mkdir(parents=True)
    (agent / "run.py").write_text("print('hi')\n")
    (agent / "lib" / "x.py").write_text("X = 1\n")
    seen = {agent_identity(agent)}
    (agent / "lib" / "x.py").write_text("X = 2\n")
    seen.add(agent_identity(agent))
    (agent / "run.py").chmod(0o755)
    seen.add(agent_identity(agent))
    (agent / "__pycache__").mkdir()  # copied into the sandbox too: it counts
    seen.add(agent_identity(agent))
    (agent / "link").symlink_to("run.py")
    seen.add(agent_identity(agent))
    assert len(seen) == 5
    copy = tmp_path / "copy"
    shutil.copytree(agent, copy, symlinks=True)
    assert agent_identity(copy) == agent_identity(agent), "where it lives does not matter"


@dataclass(frozen=True)
class FakeTask:
    task_id: str
    statement: str
    hidden_tests: str
    files: dict[str, str] = field(default_factory=dict)
    image: str | None = None

    def problem(self) -> str:
        return self.statement

    def materialize(self, dest: Path) -> None:
        dest.mkdir(parents=True)
        for name, text in self.files.items():
            (dest / name).write_text(text)
        commit_snapshot(dest)

    def oracle_patch(self) -> str:
        return "reference answer of " + self.task_id


def pristine_of(task: FakeTask, root: Path) -> Path:
    dest = root / f"p{len(list(root.iterdir())) if root.exists() else 0}"
    root.mkdir(exist_ok=True)
    task.materialize(dest)
    return dest


def test_task_identity_covers_statement_workspace_and_hidden_tests(tmp_path: Path) -> None:
    base = FakeTask("t1", "fix it", "assert f() == 1", {"f.py": "def f(): return 0\n"})
    variants = [
        base,
        replace(base, statement="fix it now"),
        replace(base, hidden_tests="assert f() == 2"),
        replace(base, files={"f.py": "def f(): return 2\n"}),
        replace(base, image="other:1"),
    ]
    identities = [task_identity(t, pristine_of(t, tmp_path / "w")) for t in variants]
    assert len(set(identities)) == len(variants)
    assert all(i.startswith("t1@") for i in identities)
    again = task_identity(base, pristine_of(base, tmp_path / "w"))
    assert again == identities[0], "laying the workspace out again gives the same identity"


def test_a_task_with_no_stable_form_is_uncacheable(tmp_path: Path) -> None:
    task = FakeTask("t1", "p", "h")
    odd = replace(task, hidden_tests=object())  # type: ignore[arg-type]
    with pytest.raises(Uncacheable):
        task_identity(odd, pristine_of(task, tmp_path / "w"))


def test_models_are_cached_only_when_deterministic_or_opted_in() -> None:
    def policy(*pairs: str, uses_models: bool = True) -> str | None:
        overrides = dict(pair.split("=", 1) for pair in pairs)
        config = load_config(env={}, overrides=overrides).config
        return cache_policy(config, uses_models=uses_models)

    assert policy(uses_models=False) == OFFLINE
    assert policy("cache.enabled=false", uses_models=False) is None
    assert policy("models.agent=openai/gpt-4o-mini") is None, "a sampling model is not cached"
    local = "models.agent=openai/smollm2"
    assert policy(local, 'cache.deterministic_models=["openai/smollm2"]') is not None
    assert policy(local, "cache.llm_agents=true") is not None
    assert policy(local, "cache.llm_agents=true", "cache.enabled=false") is None
    # Another role the gateway would serve that is not declared deterministic: not cached.
    assert (
        policy(
            local,
            "models.judge=openai/gpt-4o",
            'cache.deterministic_models=["openai/smollm2"]',
        )
        is None
    )
    a = policy(local, "cache.llm_agents=true")
    b = policy("models.agent=openai/other", "cache.llm_agents=true")
    c = policy(local, "cache.llm_agents=true", "llm.sandbox_budget_tokens=1000")
    d = policy(local, "cache.llm_agents=true", "llm.run_budget_usd=5")
    assert len({a, b, c}) == 3, "another model or other gateway settings: another key"
    assert a == d, "the run's dollar budget decides whether a task starts, not its outcome"


# -- the cache around an evaluation -------------------------------------------------------------


@dataclass
class FakeBackend:
    images: dict[str, str]
    name: str = "docker"

    def start(self, spec):  # pragma: no cover - the stand-in evaluation starts nothing
        raise AssertionError("no sandbox in these tests")

    def image_identity(self, image: str) -> str | None:
        return self.images.get(image)


@dataclass
class Harness:
    """The cache around a stand-in evaluation that records which tasks actually ran."""

    tmp: Path
    store: EvalCache
    backend: FakeBackend
    ran: list[str] = field(default_factory=list)
    outcomes: dict[str, str] = field(default_factory=dict)
    """What the stand-in grader says per task (default resolved)."""

    def ctx(self, **changes: object) -> EvalContext:
        base = EvalContext(backend=self.backend, image="img:latest", labels={"run": "r"})
        return replace(base, **changes)  # type: ignore[arg-type]

    def evaluate(
        self,
        tasks: list[FakeTask],
        agent_dir: Path,
        *,
        ctx: EvalContext | None = None,
        model: str = OFFLINE,
    ) -> list[TaskResult]:
        ctx = ctx or self.ctx()
        scope = CacheScope.for_agent(self.store, agent_dir, model)
        by_id = {t.task_id: t for t in tasks}
        root = self.tmp / "pristine"

        def run(ids: list[str]) -> list[TaskResult]:
            self.ran.extend(ids)
            return [TaskResult(i, self.outcomes.get(i, "resolved"), "ran") for i in ids]

        unit = scope.wrap(ctx, by_id, lambda t: task_identity(t, pristine_of(t, root)), run)
        return unit(list(by_id))


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    agent = tmp_path / "agent"
    agent.mkdir()
    (agent / "run.py").write_text("print('answer')\n")
    backend = FakeBackend({"img:latest": "sha256:aaa", "img:other": "sha256:bbb"})
    return Harness(tmp_path, EvalCache(tmp_path / "cache"), backend)


TASKS = [FakeTask("t1", "fix a", "h1"), FakeTask("t2", "fix b", "h2")]


def test_an_identical_evaluation_is_served_from_the_cache(harness: Harness) -> None:
    agent = harness.tmp / "agent"
    first = harness.evaluate(TASKS, agent)
    assert harness.ran == ["t1", "t2"] and all(r.cache is None for r in first)
    second = harness.evaluate(TASKS, agent)
    assert harness.ran == ["t1", "t2"], "nothing ran again"
    assert [r.cache is not None for r in second] == [True, True]
    assert second[0].cache and second[0].cache["from"] == {"run": "r"}
    assert [replace(r, cache=None) for r in second] == first


@pytest.mark.parametrize("change", ["tree", "task", "image", "grader", "model", "seed", "limits"])
def test_any_change_of_the_key_runs_again(
    harness: Harness, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = harness.tmp / "agent"
    harness.evaluate(TASKS, agent)
    tasks, ctx, model = list(TASKS), harness.ctx(), OFFLINE
    if change == "tree":
        (agent / "run.py").write_text("print('another answer')\n")
    elif change == "task":
        tasks[0] = replace(tasks[0], hidden_tests="h1 changed")
    elif change == "image":
        harness.backend.images["img:latest"] = "sha256:rebuilt"  # same tag, new content
    elif change == "grader":
        monkeypatch.setattr(cache_module, "grader_version", lambda: "grading code changed")
    elif change == "model":
        model = "llm:another model configuration"
    elif change == "seed":
        ctx = harness.ctx(attempt_seed=1)
    elif change == "limits":
        ctx = harness.ctx(limits=Limits(memory_mb=2048))
    harness.ran.clear()
    results = harness.evaluate(tasks, agent, ctx=ctx, model=model)
    expected = ["t1"] if change == "task" else ["t1", "t2"]
    assert harness.ran == expected
    assert [r.task_id for r in results if r.cache is None] == expected


def test_a_tampered_outcome_is_served_as_tampered_and_a_timeout_runs_again(
    harness: Harness,
) -> None:
    agent = harness.tmp / "agent"
    harness.outcomes.update({"t1": "tampered", "t2": "timeout"})
    harness.evaluate(TASKS, agent)
    harness.outcomes.clear()  # were they run again, both would now be resolved
    again = harness.evaluate(TASKS, agent)
    assert harness.ran == ["t1", "t2", "t2"]
    assert [(r.outcome, r.cache is not None) for r in again] == [
        ("tampered", True),
        ("resolved", False),
    ]


def test_an_image_the_backend_cannot_pin_is_never_cached(harness: Harness) -> None:
    agent = harness.tmp / "agent"
    ctx = harness.ctx(image="img:unknown")
    harness.evaluate(TASKS, agent, ctx=ctx)
    harness.evaluate(TASKS, agent, ctx=ctx)
    assert harness.ran == ["t1", "t2", "t1", "t2"]
