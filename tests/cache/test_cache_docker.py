"""The evaluation cache on the real stack (docker, the built-in suite, the CLI, the daemon): a
repeated evaluation is served from the cache and says so (`eval` output and journal, `status`,
`show`), a changed agent or image runs again, `--no-cache` runs everything afresh, and an
evaluation killed with -9 leaves only whole entries behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from godelbox.archive.store import Archive
from godelbox.paths import seed_agent_dir
from godelbox.sandbox.docker import DockerBackend
from tests.daemon.runs import check_invariants, fingerprint, run_to_end, write_config
from tests.evaluator.eval_helpers import NOOP_AGENT, godelbox_cli

pytestmark = pytest.mark.docker

TASKS = "builtin__backoff-11,builtin__batcher-15"


def cache_args(cache: Path) -> list[str]:
    return ["--set", "cache.enabled=true", "--set", f"cache.dir={cache}"]


def evaluate(tmp: Path, image: str, *args: str, bench: str = "builtin:dev") -> str:
    proc = godelbox_cli("eval", "--bench", bench, *args, image=image, cwd=tmp)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-3000:]
    return out


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "entries").glob("*/*.json"))


def test_a_repeated_evaluation_comes_from_the_cache(tmp_path: Path, agent_image: str) -> None:
    cache = tmp_path / "cache"
    args = ["--oracle", "--tasks", TASKS, *cache_args(cache)]
    first = evaluate(tmp_path, agent_image, *args)
    assert "resolved 2/2" in first and "from the evaluation cache" not in first
    assert len(entries(cache)) == 2

    journal = tmp_path / "journal.jsonl"
    second = evaluate(tmp_path, agent_image, *args, "--journal", str(journal))
    assert "resolved 2/2 (100.0%), 2 from the evaluation cache" in second
    assert second.count("(cached)") == 2
    rows = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
    assert [r["outcome"] for r in rows] == ["resolved", "resolved"]
    assert all(r["cache"]["key"] and r["cache"]["from"]["run"].startswith("eval-") for r in rows)

    fresh = evaluate(tmp_path, agent_image, *args, "--no-cache")
    assert "resolved 2/2" in fresh and "from the evaluation cache" not in fresh


def test_a_mix_of_coding_benchmarks_is_cached_like_one(tmp_path: Path, agent_image: str) -> None:
    """A mix with no played part (the web) is evaluated as one benchmark, so its outcomes are
    stored and served (the offline evolution split, `builtin:seen+mutants:seen#32`, is such a
    mix: before, every mix bypassed the cache)."""
    cache = tmp_path / "cache"
    args = ["--oracle", "--tasks", TASKS, *cache_args(cache)]
    mix = "builtin:dev+builtin:unseen"
    first = evaluate(tmp_path, agent_image, *args, bench=mix)
    assert "resolved 2/2" in first and "from the evaluation cache" not in first
    assert len(entries(cache)) == 2
    second = evaluate(tmp_path, agent_image, *args, bench=mix)
    assert "2 from the evaluation cache" in second


def test_a_changed_agent_or_image_runs_again(
    tmp_path: Path, agent_image: str, docker_engine
) -> None:
    cache = tmp_path / "cache"
    agent = tmp_path / "agent"
    shutil.copytree(NOOP_AGENT, agent)
    args = [str(agent), "--tasks", "builtin__backoff-11", *cache_args(cache)]
    assert "from the evaluation cache" not in evaluate(tmp_path, agent_image, *args)
    assert "1 from the evaluation cache" in evaluate(tmp_path, agent_image, *args)

    with (agent / "run.py").open("a") as fh:
        fh.write("\n# a comment is still a change to the agent's tree\n")
    assert "from the evaluation cache" not in evaluate(tmp_path, agent_image, *args)
    assert "1 from the evaluation cache" in evaluate(tmp_path, agent_image, *args)

    # The same tag over new content (a rebuild) is another image; another tag over the same
    # content is the same image.
    backend = DockerBackend(docker_engine, sweep=False)
    derived = f"godelbox-test-cache:{int(time.time() * 1000)}"
    alias = f"{derived}-alias"
    subprocess.run(
        ["docker", "build", "-q", "-t", derived, "-"],
        input=f"FROM {agent_image}\nLABEL godelbox.test=cache\n",
        text=True,
        check=True,
        capture_output=True,
    )
    try:
        docker_engine.images.get(agent_image).tag(alias)
        assert backend.image_identity(alias) == backend.image_identity(agent_image)
        assert backend.image_identity(derived) != backend.image_identity(agent_image)
        on_derived = evaluate(tmp_path, agent_image, *args, "--set", f"sandbox.image={derived}")
        assert "from the evaluation cache" not in on_derived
        on_alias = evaluate(tmp_path, agent_image, *args, "--set", f"sandbox.image={alias}")
        assert "1 from the evaluation cache" in on_alias
    finally:
        docker_engine.images.remove(derived, force=True)
        docker_engine.images.remove(alias)


def test_an_evaluation_killed_with_9_leaves_whole_entries(tmp_path: Path, agent_image) -> None:
    cache = tmp_path / "cache"
    journal = tmp_path / "first.jsonl"
    tasks = f"{TASKS},builtin__uniq-9,builtin__wordfreq-17"
    args = ["--oracle", "--tasks", tasks, "--workers", "2", *cache_args(cache)]
    proc = godelbox_cli(
        "eval", "--bench", "builtin:dev", *args, "--journal", str(journal),
        image=agent_image, cwd=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if journal.exists() and len(journal.read_text().splitlines()) >= 2:  # header + 1
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    done_before = {json.loads(line)["task_id"] for line in journal.read_text().splitlines()[1:]}
    assert done_before, "no task finished before the kill"
    for path in entries(cache):
        json.loads(path.read_text())  # whole entries only

    again = tmp_path / "again.jsonl"
    evaluate(tmp_path, agent_image, *args, "--journal", str(again))
    lines = again.read_text().splitlines()[1:]
    rows = {row["task_id"]: row for row in map(json.loads, lines)}
    assert len(rows) == 4 and all(r["outcome"] == "resolved" for r in rows.values())
    hits = {task for task, row in rows.items() if row["cache"]}
    assert done_before <= hits, "a task finished before the kill ran again"
    assert len(entries(cache)) == 4


def test_a_repeated_run_is_served_from_the_cache(tmp_path: Path, agent_image: str) -> None:
    cache = tmp_path / "cache"
    config = write_config(tmp_path / "run.toml", agent_image, tasks=2, iterations=1)
    first, second, fresh = tmp_path / "first", tmp_path / "second", tmp_path / "fresh"
    run_to_end(first, "--config", str(config), *cache_args(cache))
    run_to_end(second, "--config", str(config), *cache_args(cache))
    run_to_end(fresh, "--config", str(config), *cache_args(cache), "--no-cache")
    for run in (first, second, fresh):
        check_invariants(run)
    assert fingerprint(first) == fingerprint(second) == fingerprint(fresh)

    def cached_rows(run: Path) -> tuple[int, int]:
        with Archive.open(run) as archive:
            return archive.evaluation_counts()

    total, cached = cached_rows(second)
    assert total > 0 and cached == total, "every evaluation of the repeat came from the cache"
    assert cached_rows(fresh) == (total, 0)
    first_total, first_cached = cached_rows(first)
    assert first_total == total and first_cached < total

    status = godelbox("status", str(second))
    assert f"{total} results, {total} from the evaluation cache (100%)" in status
    with Archive.open(second) as archive:
        node = archive.nodes()[-1].id
    shown = godelbox("show", str(second), str(node))
    assert "served by the evaluation cache" in shown and "cached" in shown


def godelbox(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-m", "godelbox", *args], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_agent_that_calls_a_model_is_cached_only_if_its_model_is_deterministic(
    tmp_path: Path, agent_image: str, fake_llm
) -> None:
    """By default a model's answer is a sample: the agent runs (and calls the model) every
    time. Declared deterministic, the second evaluation is served and the model is not asked."""
    fake_llm.fallback = lambda _body: fake_llm.tool_call("submit", {"summary": "nothing"})
    config = tmp_path / "godelbox.toml"
    config.write_text(
        f'[models]\napi_base = "{fake_llm.url}"\n\n'
        '[[llm.prices]]\nmodel = "openai/fake-agent"\n'
        "input_usd_per_token = 0.0\noutput_usd_per_token = 0.0\n"
    )
    args = [
        str(seed_agent_dir("coder")), "--model", "openai/fake-agent", "--config", str(config),
        "--tasks", "builtin__backoff-11", *cache_args(tmp_path / "cache"),
    ]  # fmt: skip
    for _ in range(2):
        assert "from the evaluation cache" not in evaluate(tmp_path, agent_image, *args)
    sampled = len(fake_llm.requests)
    assert sampled >= 2, "the agent never asked the model"

    deterministic = [*args, "--set", 'cache.deterministic_models=["openai/fake-agent"]']
    assert "from the evaluation cache" not in evaluate(tmp_path, agent_image, *deterministic)
    asked = len(fake_llm.requests)
    assert asked > sampled
    assert "1 from the evaluation cache" in evaluate(tmp_path, agent_image, *deterministic)
    assert len(fake_llm.requests) == asked, "a served evaluation asked the model"


def test_each_attempt_of_a_node_is_a_sample_of_its_own(tmp_path: Path, agent_image: str) -> None:
    """With `evaluation.attempts = 2` the second attempt gets the next seed, so it runs rather
    than being served the first attempt's outcome; a repeated run is served both."""
    cache = tmp_path / "cache"
    config = write_config(tmp_path / "run.toml", agent_image, tasks=1, children=1, iterations=1)
    config.write_text(
        config.read_text().replace("task_timeout_s = 120.0", "task_timeout_s = 120.0\nattempts = 2")
    )
    first, second = tmp_path / "first", tmp_path / "second"
    run_to_end(first, "--config", str(config), *cache_args(cache))
    run_to_end(second, "--config", str(config), *cache_args(cache))
    with Archive.open(first) as archive:
        seed = archive.nodes()[0]
        rows = archive.evaluations(seed.id or 0)
    assert [(r.details.get("attempt", 1), r.cached) for r in rows] == [(1, False), (2, False)]
    with Archive.open(second) as archive:
        rows = archive.evaluations(archive.nodes()[0].id or 0)
    assert [(r.details.get("attempt", 1), r.cached) for r in rows] == [(1, True), (2, True)]
