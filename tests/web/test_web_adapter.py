"""The host side of the web adapter without a browser: task specs, and how the driver's output
becomes results (only nonce-tagged lines count; episodes without one failed as a whole)."""

from __future__ import annotations

import json

import pytest

from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import load_benchmark, load_web_benchmark
from godelbox.evaluator.web.miniwob import Episode, EpisodeResult, by_task, collect
from godelbox.evaluator.web.tasks import MINIWOB_TASKS, SUBSETS, parse_tasks
from godelbox.sandbox.base import ExecResult


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
    bench = load_web_benchmark("miniwob:click-test,enter-text", seeds=(0, 1))
    assert [(e.task, e.seed) for e in bench.episodes()] == [
        ("click-test", 0),
        ("click-test", 1),
        ("enter-text", 0),
        ("enter-text", 1),
    ]


@pytest.mark.parametrize("spec", ["miniwob:click-buton", "miniwob:", "miniwob:,", "web:basic"])
def test_bad_specs_are_one_clear_user_error(spec: str) -> None:
    with pytest.raises(UserError, match=r"miniwob|MiniWoB"):
        load_web_benchmark(spec)


def test_the_coding_loader_points_web_specs_to_the_web_loader() -> None:
    with pytest.raises(UserError, match="load_web_benchmark"):
        load_benchmark("miniwob:basic")


def line(nonce: str, **data: object) -> str:
    base = {"task": "click-test", "seed": 0, "reward": 0.9, "raw_reward": 1.0, "steps": 1}
    return f"{nonce} {json.dumps({**base, 'ended': 'terminated', **data})}"


EPISODES = [Episode("click-test", 0), Episode("click-test", 1)]


def test_only_nonce_tagged_lines_count() -> None:
    forged = "f" * 32
    out = "\n".join(
        [
            line(forged, id="click-test-1", seed=1),  # an agent guessing: ignored
            line("n1", id="click-test-0"),
            "n1 {not json",
            line("n1", id="click-test-1", seed=1, raw_reward=0.0, reward=0.0),
        ]
    )
    done = collect("n1", EPISODES, ExecResult(0, out, "", 3.0, "exit"), 10_000)
    assert [(r.seed, r.success, r.outcome) for r in done] == [
        (0, True, "resolved"),
        (1, False, "unresolved"),
    ]


@pytest.mark.parametrize(
    ("ended", "outcome", "why"), [("timeout", "timeout", "time limit"), ("exit", "error", "driver")]
)
def test_episodes_without_a_result_failed_with_the_batch(ended, outcome, why) -> None:
    out = line("n1", id="click-test-0")
    code = None if ended == "timeout" else 1
    done = collect("n1", EPISODES, ExecResult(code, out, "Traceback: boom", 9.0, ended), 10_000)
    assert done[0].success
    missing = done[1]
    assert (missing.success, missing.outcome) == (False, outcome)
    assert why in missing.reason and "boom" in missing.log


def test_a_goal_override_is_its_own_episode_and_never_ground_truth() -> None:
    own, practice = Episode("click-test", 0), Episode("click-test", 0, goal_override="Press it.")
    assert own.episode_id == "click-test-0" and practice.episode_id.startswith("click-test-0-goal-")
    out = "\n".join(
        [
            line("n", id=own.episode_id, env_goal="Click the button."),
            line("n", id=practice.episode_id, raw_reward=0.0, env_goal="Click the button."),
        ]
    )
    done = collect("n", [practice, own], ExecResult(0, out, "", 2.0, "exit"), 1000)
    assert [r.episode for r in done] == [practice, own]  # matched by id, not by (task, seed)
    assert (done[1].ground_truth, done[1].outcome, done[1].goal_override) == (
        True,
        "resolved",
        None,
    )
    graded_elsewhere = done[0]
    assert (graded_elsewhere.goal_override, graded_elsewhere.env_goal) == (
        "Press it.",
        "Click the button.",
    )
    assert graded_elsewhere.ground_truth is None and graded_elsewhere.outcome == "unresolved"
    assert graded_elsewhere.task_id.startswith("miniwob/click-test#0+goal-")
    # Even a MiniWoB reward for its own goal does not make the overridden goal resolved.
    rewarded = collect(
        "n", [practice], ExecResult(0, line("n", id=practice.episode_id), "", 1, "exit"), 1000
    )[0]
    assert (rewarded.raw_reward, rewarded.ground_truth, rewarded.outcome) == (
        1.0,
        None,
        "unresolved",
    )
    lost = collect("n", [practice], ExecResult(None, "", "", 9.0, "timeout"), 1000)[0]
    assert (lost.goal_override, lost.outcome, lost.ground_truth) == ("Press it.", "timeout", None)


def test_results_survive_a_json_round_trip() -> None:
    result = collect(
        "n", EPISODES[:1], ExecResult(0, line("n", id="click-test-0"), "", 1.0, "exit"), 1000
    )[0]
    again = EpisodeResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert again.to_task_result().task_id == "miniwob/click-test#0"


def test_episodes_are_grouped_by_task_in_first_seen_order() -> None:
    mixed = [Episode("b", 0), Episode("a", 0), Episode("b", 1), Episode("c", 0), Episode("a", 1)]
    assert [(e.task, e.seed) for e in by_task(mixed)] == [
        ("b", 0),
        ("b", 1),
        ("a", 0),
        ("a", 1),
        ("c", 0),
    ]


def test_the_web_recipe_is_the_agent_recipe_plus_the_browser_stack() -> None:
    from godelbox.sandbox.image import AGENT_RECIPE, RECIPES, WEB_RECIPE

    assert RECIPES["agent"] == AGENT_RECIPE and RECIPES["web"] == WEB_RECIPE
    assert WEB_RECIPE.packages[: len(AGENT_RECIPE.packages)] == AGENT_RECIPE.packages
    assert {"chromium", "chromium-driver", "fonts-liberation"} <= set(WEB_RECIPE.packages)
    assert {"miniwob", "selenium"} <= set(WEB_RECIPE.wheels)
    assert "ENV MINIWOB_CHROMEDRIVER=/usr/bin/chromedriver" in WEB_RECIPE.dockerfile()
    assert (
        WEB_RECIPE.tag.startswith("godelbox-web:") and WEB_RECIPE.digest() != AGENT_RECIPE.digest()
    )
