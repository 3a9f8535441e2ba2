"""Mixed benchmarks: the spec, how parts are interleaved so every stage samples every part, and
the weighted score (each part on its own, and combined)."""

from __future__ import annotations

import pytest

from godelbox.errors import UserError
from godelbox.evaluator.bench_spec import is_coding, is_web, load_benchmark
from godelbox.evaluator.mixed import (
    MixedBenchmark,
    bench_score,
    interleave,
    mixed_score,
    parse_mix,
)


def test_specs_with_weights() -> None:
    assert parse_mix("builtin:dev*0.25+miniwob:click-test,enter-text*0.75") == [
        ("builtin:dev", 0.25),
        ("miniwob:click-test,enter-text", 0.75),
    ]
    assert parse_mix("builtin:dev + humaneval*2") == [("builtin:dev", 1.0), ("humaneval", 2.0)]
    assert is_web("builtin:dev+miniwob:basic") and is_coding("builtin:dev+miniwob:basic")
    assert is_web("miniwob:basic") and not is_coding("miniwob:basic")


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("builtin:dev*x+humaneval", "bad weight 'x'"),
        ("builtin:dev*0+humaneval", "positive weight"),
        ("builtin:dev+builtin:dev", "names a benchmark twice"),
        ("+humaneval", "needs a benchmark"),
    ],
)
def test_bad_specs_are_one_clear_error(spec: str, why: str) -> None:
    with pytest.raises(UserError, match=why):
        load_benchmark(spec)


def test_parts_are_spread_in_proportion() -> None:
    mixed = interleave([list("abcdef"), [1, 2]])
    assert mixed == ["a", 1, "b", "c", "d", 2, "e", "f"]
    assert interleave([[1], []]) == [1]


def test_a_mixed_benchmark_lists_every_task_once_and_knows_their_parts() -> None:
    bench = load_benchmark("builtin:dev*1+miniwob:click-test,enter-text*3")
    assert isinstance(bench, MixedBenchmark)
    ids = [t.task_id for t in bench.tasks()]
    assert len(ids) == len(set(ids)) == 32 + 2
    assert ids[1].startswith("miniwob/")  # the first stage samples the web
    assert bench.part_of("miniwob/click-test#0").spec == "miniwob:click-test,enter-text"
    assert bench.part_of(ids[0]).weight == 1.0


def test_the_score_is_the_weighted_mean_of_the_parts_tried() -> None:
    score = mixed_score(
        [("code", 1.0), ("web", 3.0), ("never", 5.0)],
        [
            ("code", True),
            ("code", False),
            ("web", False),
            ("web", False),
            ("web", False),
            ("web", True),
        ],
    )
    assert score.combined == pytest.approx((1 * 0.5 + 3 * 0.25) / 4)
    assert [(p.spec, p.resolved, p.attempted) for p in score.parts] == [
        ("code", 1, 2),
        ("web", 1, 4),
        ("never", 0, 0),
    ]
    bench = load_benchmark("builtin:dev")
    plain = bench_score(bench, "builtin:dev", [("a", True), ("b", False), ("b", False)])
    assert plain.combined == pytest.approx(1 / 3) and len(plain.parts) == 1
