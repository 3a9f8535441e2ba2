"""The evaluation cache's store: entries are served only for their own key, a damaged entry is a
miss, writes are atomic (a writer killed with -9 leaves a complete entry or none), locks make a
second evaluation of a key wait, and pruning drops the least recently used entries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from godelbox.evaluator.cache import EvalCache
from godelbox.evaluator.cache_key import EvalKey
from godelbox.evaluator.results import Evidence, TaskResult
from godelbox.evaluator.staged import Skipped


def key(**changes: object) -> EvalKey:
    fields: dict[str, object] = {
        "agent": "tree:a",
        "task": "t1@d",
        "sandbox": "docker:sha256:1:x",
        "grader": "g",
        "model": "offline",
        "seed": 0,
    }
    fields.update(changes)
    return EvalKey(**fields)  # type: ignore[arg-type]


def result(task_id: str = "t1", outcome: str = "resolved", **more: object) -> TaskResult:
    return TaskResult(task_id, outcome, "why", log="a log", **more)  # type: ignore[arg-type]


def entry_path(cache: EvalCache, k: EvalKey) -> Path:
    return cache.root / "entries" / k.digest[:2] / f"{k.digest}.json"


def test_an_entry_is_served_for_its_key_only(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    with cache.claim([key()]) as claim:
        assert claim.get(key()) is None
        claim.put(key(), result(), {"run": "r", "node": "3"})
    stored = cache.read(key())
    assert stored is not None
    assert stored.result == result() and stored.origin == {"run": "r", "node": "3"}
    for other in (
        key(agent="tree:b"),
        key(task="t1@e"),
        key(sandbox="docker:sha256:2:x"),
        key(grader="h"),
        key(model="llm:m"),
        key(seed=1),
    ):
        assert cache.read(other) is None


def test_an_entry_moved_under_another_key_is_a_miss(tmp_path: Path) -> None:
    """Even if a file ends up at another key's path (a collision, a copy by hand), the key
    stored inside it decides."""
    cache = EvalCache(tmp_path)
    cache.write(key(), result(), {})
    other = key(agent="tree:other")
    target = entry_path(cache, other)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(entry_path(cache, key()).read_bytes())
    assert cache.read(other) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # torn: cut mid-write
        lambda data: b"",
        lambda data: data.replace(b'"resolved"', b'"unresolved"'),  # changed, still JSON
        lambda data: b"\x00" * len(data),
    ],
    ids=["torn", "empty", "edited", "zeroed"],
)
def test_a_damaged_entry_is_a_miss_never_a_wrong_hit(tmp_path: Path, damage) -> None:
    cache = EvalCache(tmp_path)
    cache.write(key(), result(), {})
    path = entry_path(cache, key())
    path.write_bytes(damage(path.read_bytes()))
    assert cache.read(key()) is None
    cache.write(key(), result(outcome="unresolved"), {})  # and it is simply rewritten
    stored = cache.read(key())
    assert stored is not None and stored.result.outcome == "unresolved"


def test_harness_failures_and_timeouts_are_not_stored(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    with cache.claim([key()]) as claim:
        claim.put(key(), result(outcome="error", infra=True), {})
        claim.put(key(), result(outcome="timeout"), {})
    assert cache.read(key()) is None


def test_a_tampered_result_is_served_as_tampered_with_its_evidence(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    caught = result(
        outcome="tampered",
        evidence=[Evidence("control_passed", "test_x inverted and still passed", "control")],
        tests={"test_x": "passed"},
    )
    with cache.claim([key()]) as claim:
        claim.put(key(), caught, {"run": "r"})
    stored = cache.read(key())
    assert stored is not None
    assert stored.result.outcome == "tampered" and not stored.result.resolved
    assert stored.result.evidence == caught.evidence


def test_entries_keep_what_the_archive_keeps(tmp_path: Path) -> None:
    """An entry is bounded like an archive row: a huge log or patch is capped, visibly."""
    cache = EvalCache(tmp_path)
    big = result(patch="+" * 2_000_000)
    cache.write(key(), big, {})
    stored = cache.read(key())
    assert stored is not None and stored.result == big.stored()
    assert len(stored.result.patch) < 300_000 and "characters cut" in stored.result.patch


WRITER = """
import sys
from pathlib import Path
from godelbox.evaluator.cache import EvalCache
from godelbox.evaluator.cache_key import EvalKey
from godelbox.evaluator.results import Evidence, TaskResult

cache = EvalCache(Path(sys.argv[1]))
print("ready", flush=True)
n = 0
while True:
    k = EvalKey("tree:a", f"t{n % 50}@d", "s", "g", "offline", 0)
    cache.write(k, TaskResult(f"t{n % 50}", "resolved", "r", log="x" * 200_000), {"n": str(n)})
    n += 1
"""


def test_a_writer_killed_with_9_leaves_whole_entries_or_none(tmp_path: Path) -> None:
    for delay in (0.3, 0.7, 1.1):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    cache = EvalCache(tmp_path)
    entries = list((tmp_path / "entries").glob("*/*.json"))
    assert entries, "the writer never finished an entry"
    served = 0
    for n in range(50):
        k = EvalKey("tree:a", f"t{n}@d", "s", "g", "offline", 0)
        stored = cache.read(k)
        if stored is not None:
            served += 1
            assert stored.result.task_id == f"t{n}" and len(stored.result.log) == 200_000
    assert served == len(entries)  # every file at an entry's name is a complete entry
    for path in entries:
        json.loads(path.read_bytes())


def test_a_claimed_key_waits_for_its_holder(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    order: list[str] = []
    holding = threading.Event()

    def holder() -> None:
        with cache.claim([key()]):
            holding.set()
            time.sleep(0.5)
            order.append("holder done")

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait()
    with cache.claim([key(), key(task="t2@d")]):  # taken in key order, whatever the caller's
        order.append("waiter in")
    thread.join()
    assert order == ["holder done", "waiter in"]


def test_a_stop_request_ends_the_wait(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)",
            str(entry_path(cache, key()).with_suffix(".lock")),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    (tmp_path / "entries" / key().digest[:2]).mkdir(parents=True, exist_ok=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        asked = time.monotonic() + 0.3
        with pytest.raises(Skipped), cache.claim([key()], lambda: time.monotonic() > asked):
            pytest.fail("claimed a key another process holds")
    finally:
        holder.kill()
        holder.wait()


def test_pruning_drops_the_least_recently_used(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    keys = [key(task=f"t{i}@d") for i in range(4)]
    for i, k in enumerate(keys):
        cache.write(k, result(), {})
        os.utime(entry_path(cache, k), (1000 + i, 1000 + i))
    cache.read(keys[0])  # used now: the newest
    size = entry_path(cache, keys[0]).stat().st_size
    assert cache.prune(max_bytes=2 * size) == 2
    assert [cache.read(k) is not None for k in keys] == [True, False, False, True]
    assert not entry_path(cache, keys[1]).with_suffix(".lock").exists()


def test_pruning_spares_an_entry_being_evaluated(tmp_path: Path) -> None:
    cache = EvalCache(tmp_path)
    cache.write(key(), result(), {})
    with cache.claim([key()]):
        assert cache.prune(max_bytes=0) == 0
    assert cache.prune(max_bytes=0) == 1
