"""The evaluation cache: a task's outcome, stored under its key (`cache_key.EvalKey`), is served
instead of running the same evaluation again, within a run and across runs on this machine.

One JSON file per key, written whole to a temporary name, fsynced and renamed into place: after a
`kill -9` an entry is either complete or absent. An entry carries its full key and a checksum; a
read whose key or checksum does not match, or that does not parse, is a miss, so the cache never
serves a result stored under another key and a damaged entry costs one re-run, never a wrong
answer. Results the harness failed to produce (`TaskResult.infra`) and timeouts (which depend on
the machine's load, not only on the key) are never stored. A `tampered` outcome is stored and
served as it is, with its evidence: never as anything else.

Each key has a lock (`flock` on a file beside its entry, held from lookup to store), so an
evaluation running in another thread, daemon or `godelbox eval` is waited for instead of run a
second time. Locks of a unit are taken in key order, so two units never wait for each other.
The cache is bounded (`cache.max_mb`): when a process opens it over the bound, the entries used
least recently are dropped.

What is cached is decided by `cache_policy`: offline agents and the reference solutions always;
agents that call models only when every model they can reach is declared deterministic
(`cache.deterministic_models`) or the user opts in (`cache.llm_agents`), because a model's
answer is otherwise a sample, not a function of the key.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from godelbox.config import MODEL_ROLES, CacheSection, Config
from godelbox.evaluator.benchmark import Task
from godelbox.evaluator.cache_key import (
    OFFLINE,
    EvalKey,
    agent_identity,
    canonical_json,
    grader_version,
    model_identity,
    oracle_identity,
    sandbox_identity,
)
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.results import TaskResult
from godelbox.evaluator.staged import Skipped

ENTRY_FORMAT = 1
LOCK_POLL_S = 0.05
NOT_STORED = frozenset({"timeout"})
"""Outcomes that are not a function of the key: whether an agent beat its time budget depends
on how busy the machine was."""
STALE_TEMP_S = 3600.0
"""A temporary entry file older than this was left by a killed writer."""


@dataclass(frozen=True)
class Stored:
    result: TaskResult
    stored_at: str
    origin: dict[str, str]


class EvalCache:
    """Entries under `root` (see the module docstring); safe to share between threads and
    processes."""

    def __init__(self, root: Path, max_bytes: int | None = None) -> None:
        self.root = root
        (root / "entries").mkdir(parents=True, exist_ok=True)
        if max_bytes is not None:
            self.prune(max_bytes)

    def _path(self, digest: str, suffix: str) -> Path:
        return self.root / "entries" / digest[:2] / f"{digest}{suffix}"

    @contextlib.contextmanager
    def claim(
        self, keys: Sequence[EvalKey], should_stop: Callable[[], bool] | None = None
    ) -> Iterator[Claim]:
        """Hold the locks of `keys` while the block runs (waiting for holders elsewhere);
        inside, `get` and `put` are safe from races."""
        digests = sorted({k.digest for k in keys})
        held: list[int] = []
        try:
            for digest in digests:
                held.append(self._lock(digest, should_stop))
            yield Claim(self)
        finally:
            for fd in held:
                os.close(fd)  # closing releases the flock

    def _lock(self, digest: str, should_stop: Callable[[], bool] | None) -> int:
        path = self._path(digest, ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as err:
                    if err.errno not in (errno.EAGAIN, errno.EACCES):
                        os.close(fd)
                        raise
                if should_stop is not None and should_stop():
                    os.close(fd)
                    raise Skipped  # waiting for another evaluation of this key
                time.sleep(LOCK_POLL_S)
            # Pruning deletes a lock file only while holding it: if ours was deleted while we
            # waited, it no longer guards anything, so lock the file now at that path instead.
            with contextlib.suppress(FileNotFoundError):
                if os.fstat(fd).st_ino == os.stat(path).st_ino:
                    return fd
            os.close(fd)

    def read(self, key: EvalKey) -> Stored | None:
        """The entry stored under `key`, or None (absent, damaged, or another key's)."""
        path = self._path(key.digest, ".json")
        try:
            entry = json.loads(path.read_bytes())
            body = {k: entry[k] for k in ("key", "result", "origin", "stored_at")}
            if (
                entry["format"] != ENTRY_FORMAT
                or entry["check"] != _checksum(body)
                or body["key"] != key.as_dict()
            ):
                return None
            result = TaskResult.from_dict(body["result"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: kept longest when the cache is pruned
        return Stored(result, str(body["stored_at"]), dict(body["origin"]))

    def write(self, key: EvalKey, result: TaskResult, origin: Mapping[str, str]) -> None:
        body = {
            "key": key.as_dict(),
            "result": replace(result, cache=None).stored().to_dict(),  # as the archive keeps it
            "origin": dict(origin),
            "stored_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        data = json.dumps({"format": ENTRY_FORMAT, "check": _checksum(body), **body}).encode()
        path = self._path(key.digest, ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f"{key.digest}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def prune(self, max_bytes: int) -> int:
        """Drop the least recently used entries until the cache holds at most `max_bytes`, and
        temporary files killed writers left; returns how many entries were dropped."""
        entries: list[tuple[float, int, Path]] = []
        now = time.time()
        for path in (self.root / "entries").glob("*/*"):
            with contextlib.suppress(OSError):
                st = path.stat()
                if path.suffix == ".json":
                    entries.append((st.st_mtime, st.st_size, path))
                elif path.suffix == ".tmp" and now - st.st_mtime > STALE_TEMP_S:
                    path.unlink()
        total = sum(size for _, size, _ in entries)
        dropped = 0
        for _, size, path in sorted(entries):
            if total <= max_bytes:
                break
            if self._drop(path):
                total -= size
                dropped += 1
        return dropped

    def _drop(self, entry: Path) -> bool:
        """Delete an entry and its lock file, unless someone holds its lock right now."""
        lock = entry.with_suffix(".lock")
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        try:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
            return True
        finally:
            os.close(fd)


class Claim:
    """Lookups and stores for keys whose locks the caller holds (`EvalCache.claim`)."""

    def __init__(self, cache: EvalCache) -> None:
        self._cache = cache

    def get(self, key: EvalKey) -> Stored | None:
        return self._cache.read(key)

    def put(self, key: EvalKey, result: TaskResult, origin: Mapping[str, str]) -> None:
        if not result.infra and result.outcome not in NOT_STORED:
            self._cache.write(key, result, origin)


def _checksum(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- how an evaluation uses the cache ---------------------------------------------------------

AgentIdentity = Callable[[Task], str]
"""The `agent` part of a task's key: the agent's tree, or the task's reference answer."""


@dataclass(frozen=True)
class CacheScope:
    """The cache as one evaluation (one agent, one model configuration) sees it."""

    store: EvalCache
    agent: AgentIdentity
    model: str = OFFLINE

    @classmethod
    def for_agent(cls, store: EvalCache, agent_dir: Path, model: str = OFFLINE) -> CacheScope:
        tree = agent_identity(agent_dir)
        return cls(store, lambda _task: tree, model)

    @classmethod
    def for_oracle(cls, store: EvalCache) -> CacheScope:
        return cls(store, oracle_identity)

    def key(self, ctx: EvalContext, task: Task, identity: str) -> EvalKey:
        """`identity`: the task's part (`cache_key.task_identity`). Raises `Uncacheable` when
        some part of the key cannot be pinned down."""
        return EvalKey(
            agent=self.agent(task),
            task=identity,
            sandbox=sandbox_identity(ctx, task.image),
            grader=grader_version(),
            model=self.model,
            seed=ctx.attempt_seed,
        )

    def wrap(
        self,
        ctx: EvalContext,
        tasks: Mapping[str, Task],
        identify: Callable[[Task], str],
        evaluate: Callable[[list[str]], list[TaskResult]],
        should_stop: Callable[[], bool] | None = None,
    ) -> Callable[[list[str]], list[TaskResult]]:
        """`evaluate` (a unit of task ids -> results) with hits served from the cache and the
        rest stored after they ran; results keep the order of the ids."""
        origin = {k: str(v) for k, v in ctx.labels.items() if k in ("run", "node")}

        def unit(ids: list[str]) -> list[TaskResult]:
            keys: dict[str, EvalKey] = {}
            for task_id in ids:
                # Uncacheable, or a task that cannot even be laid out: it runs, and the
                # evaluation reports its error the usual way.
                with contextlib.suppress(Exception):
                    task = tasks[task_id]
                    keys[task_id] = self.key(ctx, task, identify(task))
            with self.store.claim(list(keys.values()), should_stop) as claim:
                results: dict[str, TaskResult] = {}
                for task_id, key in keys.items():
                    stored = claim.get(key)
                    if stored is not None:
                        results[task_id] = _as_hit(stored, key)
                todo = [t for t in ids if t not in results]
                for result in evaluate(todo) if todo else []:
                    results[result.task_id] = result
                    if result.task_id in keys:
                        claim.put(keys[result.task_id], result, origin)
            return [results[t] for t in ids]

        return unit


def _as_hit(stored: Stored, key: EvalKey) -> TaskResult:
    return replace(
        stored.result,
        cache={"key": key.digest, "stored_at": stored.stored_at, "from": stored.origin},
    )


def cache_policy(config: Config, *, uses_models: bool) -> str | None:
    """The `model` part of keys for an agent run under `config`, or None when such an agent
    must not be cached (off, or a model that answers by sampling)."""
    section = config.cache
    if not section.enabled:
        return None
    if not uses_models:
        return OFFLINE
    if not (section.llm_agents or _all_deterministic(config, section)):
        return None
    return model_identity(config.models.model_dump(mode="json"), config.llm.model_dump(mode="json"))


def _all_deterministic(config: Config, section: CacheSection) -> bool:
    """Every configured role, not only `agent`: a benchmark may grade with a judge model."""
    reachable = {name for role in MODEL_ROLES if (name := getattr(config.models, role))}
    return bool(reachable) and reachable <= set(section.deterministic_models)


def open_cache(section: CacheSection) -> EvalCache | None:
    """The machine's evaluation cache as `section` configures it, or None when it is off."""
    if not section.enabled:
        return None
    root = Path(section.dir) if section.dir else _default_dir()
    return EvalCache(root, max_bytes=section.max_mb * 1024 * 1024)


def _default_dir() -> Path:
    from godelbox.sandbox.image import cache_dir

    return cache_dir() / "evaluations"
