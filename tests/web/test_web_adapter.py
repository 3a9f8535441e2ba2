"""The host side of the web harness without a browser: task specs, seeds and episode order, the
episode summary, and a web session played against a stand-in driver on the unsafe local backend
(the protocol, the agent's bad actions, a dead or hung agent, a hung or broken browser)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import load_benchmark, load_web_benchmark
from godelbox.evaluator.context import EvalContext
from godelbox.evaluator.web import session as web_session
from godelbox.evaluator.web.episodes import Episode, EpisodeResult, WebSettings, episode_seeds
from godelbox.evaluator.web.miniwob import by_task
from godelbox.evaluator.web.tasks import MINIWOB_TASKS, SUBSETS, parse_tasks
from godelbox.sandbox.local import LocalBackend
from tests.web.conftest import make_scripted_agent

FAKE_DRIVER = Path(__file__).resolve().parent / "fake_driver"


def test_there_are_125_core_tasks_and_subsets_name_real_ones() -> None:
    assert len(MINIWOB_TASKS) == len(set(MINIWOB_TASKS)) == 125
    for names in SUBSETS.values():
        assert set(names) <= set(MINIWOB_TASKS)
    assert {"click-button", "click-test", "enter-text", "focus-text", "click-link"} <= set(
        SUBSETS["basic"]
    )


def test_specs_mix_tasks_and_subsets_in_order_without_duplicates() -> None:
    assert parse_tasks("enter-text, basic")[:2] == ["enter-text", "click-button"]
    assert parse_tasks("basic,click-button").count("click-button") == 1


def test_episodes_go_repeat_by_repeat() -> None:
    # Stage one of a staged evaluation then samples many tasks, not many seeds of one task.
    bench = load_web_benchmark("miniwob:click-test,enter-text", seeds=(0, 1))
    assert [(e.task, e.seed) for e in bench.episodes()] == [
        ("click-test", 0),
        ("enter-text", 0),
        ("click-test", 1),
        ("enter-text", 1),
    ]
    ids = [t.task_id for t in bench.tasks()]
    assert ids[:2] == ["miniwob/click-test#0", "miniwob/enter-text#0"]


def test_episode_seeds_come_from_a_fixed_generator() -> None:
    five = episode_seeds(5)
    assert len(set(five)) == 5 and five == episode_seeds(5)
    assert episode_seeds(3) != episode_seeds(3, generator_seed=1)


def test_the_benchmark_loader_uses_the_contexts_seeds_and_settings(tmp_path: Path) -> None:
    settings = WebSettings(step_limit=3)
    ctx = EvalContext(LocalBackend(), "img", web=settings, web_seeds=(11, 12, 13))
    bench = load_benchmark("miniwob:click-test", ctx)
    assert [t.task_id for t in bench.tasks()] == [
        "miniwob/click-test#11",
        "miniwob/click-test#12",
        "miniwob/click-test#13",
    ]
    assert bench.settings == settings
    with pytest.raises(UserError, match="no workspace"):
        bench.tasks()[0].materialize(tmp_path)


@pytest.mark.parametrize("spec", ["miniwob:click-buton", "miniwob:", "miniwob:,", "web:basic"])
def test_bad_specs_are_one_clear_user_error(spec: str) -> None:
    with pytest.raises(UserError, match=r"miniwob|MiniWoB"):
        load_web_benchmark(spec)


def test_a_goal_override_is_its_own_episode_and_never_ground_truth() -> None:
    own, practice = Episode("click-test", 0), Episode("click-test", 0, goal_override="Press it.")
    assert own.episode_id == "click-test-0" and practice.episode_id.startswith("click-test-0-goal-")
    assert practice.task_id.startswith("miniwob/click-test#0+goal-")
    rewarded = EpisodeResult("click-test", 0, 0.9, 1.0, True, 1, "terminated", goal_override="x")
    assert (rewarded.ground_truth, rewarded.outcome) == (None, "unresolved")
    plain = EpisodeResult("click-test", 0, 0.9, 1.0, True, 1, "terminated")
    assert (plain.ground_truth, plain.outcome) == (True, "resolved")


def test_the_summary_is_browsergyms_and_survives_a_json_round_trip() -> None:
    result = EpisodeResult(
        "click-test", 3, 0.7, 1.0, True, 2, "terminated", trajectory=[{"action": None}]
    )
    again = EpisodeResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    task = again.to_task_result()
    assert task.task_id == "miniwob/click-test#3" and task.resolved
    assert task.episode == {
        "task": "click-test",
        "seed": 3,
        "n_steps": 2,
        "cum_reward": 0.7,
        "cum_raw_reward": 1.0,
        "success": True,
        "terminated": True,
        "truncated": False,
        "ended": "terminated",
        "err_msg": "",
        "env_goal": "",
    }
    assert "episode miniwob/click-test#3: ended terminated" in task.log


def test_episodes_are_grouped_by_task_in_first_seen_order() -> None:
    mixed = [Episode("b", 0), Episode("a", 0), Episode("b", 1), Episode("c", 0), Episode("a", 1)]
    assert [(e.task, e.seed) for e in by_task(mixed)] == [
        ("b", 0),
        ("b", 1),
        ("a", 0),
        ("a", 1),
        ("c", 0),
    ]


@pytest.fixture
def local_session(tmp_path: Path, monkeypatch):
    """`local_session(**policies)` -> a WebSession of the scripted policy and the stand-in
    driver, both as plain host processes (the unsafe backend: no browser, no docker)."""
    monkeypatch.setattr(web_session, "DRIVER_SRC", FAKE_DRIVER)
    monkeypatch.setattr(web_session, "BROWSER_SLACK_S", 1.0)
    ctx = EvalContext(LocalBackend(), "unused", log_cap_bytes=10_000)
    settings = WebSettings(step_limit=4, episode_timeout_s=3)

    def make(**policies: str) -> web_session.WebSession:
        agent = make_scripted_agent(tmp_path / "agent", **policies)
        return web_session.WebSession(ctx, agent, settings)

    return make


def test_a_session_plays_episodes_and_reads_the_reward_from_the_driver(local_session) -> None:
    with local_session(click_test_1="bad-ref") as session:
        first, second = (session.play(Episode("click-test", seed)) for seed in (0, 1))
    assert (first.ended, first.reward, first.raw_reward, first.success) == (
        "terminated",
        0.8,
        1.0,
        True,
    )
    assert first.env_goal == "Click the button." and first.steps == 1
    # A ref that is not on the page is refused and shown to the agent with the reason.
    assert [s["action"]["ref"] for s in second.trajectory] == [99999, 4]
    assert second.trajectory[1]["observation"]["error"] == "no element with ref 99999 on the page"
    assert second.success and "told 1:" in second.log


def test_an_agent_that_gives_up_or_exits_or_hangs(local_session, tmp_path: Path) -> None:
    with local_session(click_test_0="stuck", click_test_1="hang") as session:
        stuck, hung = (session.play(Episode("click-test", seed)) for seed in (0, 1))
        (tmp_path / "agent" / "run.py").write_text("import sys\nsys.exit(3)\n")
        session.close()  # the next episode starts a new agent sandbox with the new code
        gone = session.play(Episode("click-test", 2))
    assert (stuck.ended, stuck.steps, stuck.success) == ("step_limit", 4, False)
    assert hung.ended == "timeout" and hung.outcome == "timeout"
    assert gone.ended == "agent_exit" and gone.steps == 0


def test_a_hung_or_broken_browser_ends_only_its_episode(local_session) -> None:
    with local_session() as session:
        hung = session.play(Episode("click-test", 7))
        broken = session.play(Episode("click-test", 8))
        after = session.play(Episode("click-test", 0))
    assert hung.ended == "timeout" and "did not answer" in hung.reason
    assert broken.ended == "error" and "tab crashed" in broken.reason and "boom" in broken.log
    assert after.success and session.restarts == 1


def test_the_fixed_split_is_half_and_half_and_disjoint() -> None:
    train, test = parse_tasks("train"), parse_tasks("test")
    assert (len(train), len(test)) == (62, 63)
    assert set(train).isdisjoint(test) and sorted(train + test) == sorted(MINIWOB_TASKS)
    # Families land on both sides (the split measures transfer, not memory).
    assert "click-checkboxes" in train and "click-checkboxes-large" in test
    assert "enter-password" in train and "enter-text" in test
