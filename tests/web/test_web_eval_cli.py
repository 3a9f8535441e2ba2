"""`godelbox eval` on MiniWoB++ as a user runs it: the offline rule agent on 5 tasks with
repeats (seeds from the fixed generator) in the real browser sandbox, killed with SIGKILL
mid-run and resumed from its journal; a weighted coding + web benchmark reported per part and
combined; and the errors a user gets for web-specific mistakes."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from godelbox.evaluator.web.episodes import episode_seeds
from godelbox.paths import seed_agent_dir
from godelbox.seeds import seed_dir
from tests.evaluator.eval_helpers import godelbox_cli
from tests.fixtures.docker_engine import BUSY_HOST_CPU_SHARES

pytestmark = pytest.mark.docker

TASKS = ("click-test", "click-button", "enter-text", "focus-text", "login-user")
REPEATS = 2


def cli(*args: str, agent_image: str, web_image: str, cwd: Path) -> subprocess.Popen[str]:
    """`godelbox ARGS` in its own process with the test images, a 30 s episode limit and the
    busy host's CPU weight."""
    web = ("--set", f"web.image={web_image}", "--set", "web.episode_timeout_s=30")
    web += ("--set", f"sandbox.cpu_shares={BUSY_HOST_CPU_SHARES}")
    return godelbox_cli(*args, *web, image=agent_image, cwd=cwd)


def finished(journal: Path) -> list[dict]:
    if not journal.exists():
        return []
    lines = journal.read_text().splitlines()
    rows = [json.loads(line) for line in lines if line.endswith("}")]
    return [r for r in rows if r.get("kind") == "result"]


def test_web_eval_with_repeats_is_killed_and_resumes(agent_image, web_image, tmp_path) -> None:
    journal = tmp_path / "web.jsonl"
    args = (
        "eval",
        str(seed_agent_dir("webrules")),
        "--bench",
        f"miniwob:{','.join(TASKS)}",
        "--repeats",
        str(REPEATS),
        "--workers",
        "1",
        "--journal",
        str(journal),
    )
    first = cli(*args, agent_image=agent_image, web_image=web_image, cwd=tmp_path)
    deadline = time.monotonic() + 300
    while len(finished(journal)) < 3 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = [r["task_id"] for r in finished(journal)]
    assert 3 <= len(before) < len(TASKS) * REPEATS, "the kill should land mid-run"

    second = cli(*args, agent_image=agent_image, web_image=web_image, cwd=tmp_path)
    out, _ = second.communicate(timeout=900)
    assert second.returncode == 0, out
    total = len(TASKS) * REPEATS
    assert f"resuming: {len(before)} of {total} tasks already finished" in out
    rows = finished(journal)
    # Every episode once, the finished ones not played again; seeds from the fixed generator,
    # repeat by repeat.
    assert Counter(r["task_id"] for r in rows) == Counter(
        f"miniwob/{t}#{s}" for s in episode_seeds(REPEATS) for t in TASKS
    )
    assert [r["task_id"] for r in rows][: len(before)] == before
    assert [r["task_id"] for r in rows][:2] == [
        f"miniwob/{t}#{episode_seeds(2)[0]}" for t in TASKS[:2]
    ]
    for row in rows:  # BrowserGym's episode summary, in the same journal line
        episode = row["episode"]
        assert {
            "n_steps",
            "cum_reward",
            "cum_raw_reward",
            "err_msg",
            "terminated",
            "truncated",
        } <= set(episode)
        assert (row["outcome"] == "resolved") == (episode["cum_raw_reward"] > 0)
    resolved = {r["task_id"].split("#")[0] for r in rows if r["outcome"] == "resolved"}
    assert {"miniwob/click-test", "miniwob/click-button"} <= resolved  # what the seed can do
    assert "miniwob/login-user" not in resolved
    assert f"resolved {sum(r['outcome'] == 'resolved' for r in rows)}/{total}" in out
    assert "steps" in out and "reward" in out  # the results table's web columns


def test_a_weighted_coding_and_web_benchmark(agent_image, web_image, tmp_path) -> None:
    agent = seed_dir("repair+webrules")
    spec = "builtin:dev*1+miniwob:click-test,focus-text*3"
    run = cli(
        "eval",
        str(agent),
        "--bench",
        spec,
        "--repeats",
        "1",
        "--tasks",
        "builtin__romanize-2,builtin__unitconv-16,"
        f"miniwob/click-test#{episode_seeds(1)[0]},miniwob/focus-text#{episode_seeds(1)[0]}",
        agent_image=agent_image,
        web_image=web_image,
        cwd=tmp_path,
    )
    out, _ = run.communicate(timeout=900)
    assert run.returncode == 0, out
    # click-test is solved by the web part, focus-text is not; each part on its own line.
    assert "miniwob:click-test,focus-text (weight 3): resolved 1/2 (50.0%)" in out, out
    coding = next(line for line in out.splitlines() if "builtin:dev (weight 1): resolved" in line)
    solved = int(coding.split("resolved ")[1].split("/")[0])
    combined = (1 * solved / 2 + 3 * 0.5) / 4
    assert f"weighted score {combined:.3f}" in out, out


def test_web_mistakes_are_one_clear_line(agent_image, web_image, tmp_path) -> None:
    oracle = cli(
        "eval",
        "--oracle",
        "--bench",
        "miniwob:click-test",
        agent_image=agent_image,
        web_image=web_image,
        cwd=tmp_path,
    )
    out, _ = oracle.communicate(timeout=120)
    assert oracle.returncode != 0 and "no reference solutions" in out, out
    assert "Traceback" not in out
    badmix = cli(
        "eval",
        str(seed_agent_dir("webrules")),
        "--bench",
        "builtin:dev*x+miniwob:click-test",
        agent_image=agent_image,
        web_image=web_image,
        cwd=tmp_path,
    )
    out, _ = badmix.communicate(timeout=120)
    assert badmix.returncode != 0 and "bad weight 'x'" in out and "Traceback" not in out, out
