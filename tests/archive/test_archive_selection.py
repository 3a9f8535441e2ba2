"""Selection policies: each one's empirical distribution matches its formula, computed here
independently of the implementation; `best` is the best; seeds and saved RNG states reproduce."""

from __future__ import annotations

import math
import random
import statistics
from typing import get_args

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from godelbox.archive.candidates import CandidateRow, Candidates
from godelbox.archive.models import NodeStatus, Outcome
from godelbox.archive.selection import POLICIES, SelectionError, get_policy
from godelbox.archive.store import Archive
from godelbox.config import PolicyName, SelectionSection

DRAWS = 20_000
P_FLOOR = 1e-4
"""Chi-square p-values below this fail. Examples are derandomized, so a pass is stable."""

rows_strategy = st.lists(
    st.builds(
        CandidateRow,
        id=st.integers(1, 10_000),
        score=st.floats(0.0, 1.0),
        children=st.integers(0, 6),
        clade_successes=st.integers(0, 12),
        clade_failures=st.integers(0, 12),
    ),
    min_size=1,
    max_size=7,
    unique_by=lambda r: r.id,
)


def dgm_probs(rows: list[CandidateRow], k: float = 10.0) -> list[float]:
    w = [1 / (1 + math.exp(-k * (r.score - 0.5))) / (1 + r.children) for r in rows]
    return [x / sum(w) for x in w]


def score_prop_probs(rows: list[CandidateRow]) -> list[float]:
    total = sum(r.score for r in rows)
    if total == 0:
        return [1 / len(rows)] * len(rows)
    return [r.score / total for r in rows]


def random_probs(rows: list[CandidateRow]) -> list[float]:
    return [1 / len(rows)] * len(rows)


def shinka_probs(rows: list[CandidateRow], lam: float = 10.0) -> list[float]:
    scores = [r.score for r in rows]
    median = statistics.median(scores)
    scale = statistics.median(abs(s - median) for s in scores) or statistics.pstdev(scores) or 1.0
    w = [1 / (1 + math.exp(-lam * (r.score - median) / scale)) / (1 + r.children) for r in rows]
    return [x / sum(w) for x in w]


def hgm_probs(rows: list[CandidateRow]) -> list[float]:
    """P(node i's Thompson sample is the largest) = ∫ pdf_i(x) ∏_{j≠i} cdf_j(x) dx."""
    dists = [stats.beta(1 + r.clade_successes, 1 + r.clade_failures) for r in rows]
    probs = []
    for i, di in enumerate(dists):
        others = [d for j, d in enumerate(dists) if j != i]

        def integrand(x: float, di=di, others=others) -> float:
            return di.pdf(x) * math.prod(d.cdf(x) for d in others)

        probs.append(integrate.quad(integrand, 0, 1, limit=200)[0])
    return probs


def assert_matches(rows: list[CandidateRow], picks: list[int], probs: list[float]) -> None:
    ids = [r.id for r in rows]
    observed = np.array([picks.count(i) for i in ids], dtype=float)
    expected = np.array(probs) * len(picks)
    zero = expected < 1e-9
    assert observed[zero].sum() == 0, "a node with probability 0 was drawn"
    observed, expected = observed[~zero], expected[~zero]
    # Pool rare bins so every expected count is >= 5 (the chi-square approximation's condition).
    order = np.argsort(expected)
    obs, exp = list(observed[order]), list(expected[order])
    while len(exp) > 1 and exp[0] < 5:
        rare_exp, rare_obs = exp.pop(0), obs.pop(0)
        exp[0] += rare_exp
        obs[0] += rare_obs
    if len(exp) < 2:
        return
    exp_arr = np.array(exp) * (sum(obs) / sum(exp))
    p = stats.chisquare(obs, exp_arr).pvalue
    assert p > P_FLOOR, f"chi-square p={p:.2e}: observed {obs} vs expected {exp}"


FORMULAS = {
    "dgm": dgm_probs,
    "score_prop": score_prop_probs,
    "random": random_probs,
    "shinka_weighted": shinka_probs,
    "hgm": hgm_probs,
}


@pytest.mark.parametrize("name", sorted(FORMULAS))
# No shrinking: a failing chi-square does not get simpler with smaller archives, only slower.
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(rows=rows_strategy, seed=st.integers(0, 2**32))
def test_empirical_distribution_matches_formula(
    name: str, rows: list[CandidateRow], seed: int
) -> None:
    policy = get_policy(name)
    picks = policy(Candidates.from_rows(rows), random.Random(seed), DRAWS)
    assert set(picks) <= {r.id for r in rows}
    ordered = sorted(rows, key=lambda r: r.id)
    assert_matches(ordered, picks, FORMULAS[name](ordered))


def test_parameters_come_from_the_config_section() -> None:
    rows = [CandidateRow(1, 0.2), CandidateRow(2, 0.8)]
    steep = get_policy("dgm", SelectionSection(dgm_steepness=2.0))
    picks = steep(Candidates.from_rows(rows), random.Random(3), DRAWS)
    assert_matches(rows, picks, dgm_probs(rows, k=2.0))
    flat = get_policy("shinka_weighted", SelectionSection(shinka_lambda=0.5))
    picks = flat(Candidates.from_rows(rows), random.Random(3), DRAWS)
    assert_matches(rows, picks, shinka_probs(rows, lam=0.5))


def test_shinka_zero_mad_falls_back_to_std() -> None:
    rows = [CandidateRow(i, s) for i, s in enumerate([0.5, 0.5, 0.5, 0.9, 0.1], start=1)]
    picks = get_policy("shinka_weighted")(Candidates.from_rows(rows), random.Random(0), DRAWS)
    assert_matches(rows, picks, shinka_probs(rows))
    assert picks.count(4) > picks.count(1) > picks.count(5)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(rows=rows_strategy, n=st.integers(1, 10))
def test_best_returns_the_best_ranked_with_ties_to_lowest_id(
    rows: list[CandidateRow], n: int
) -> None:
    ranking = [r.id for r in sorted(rows, key=lambda r: (-r.score, r.id))]
    picks = get_policy("best")(Candidates.from_rows(rows), random.Random(0), n)
    assert picks[0] == ranking[0]
    assert picks == [ranking[i % len(ranking)] for i in range(n)]


DETERMINISTIC = {"best", "latest"}
"""Policies that use no randomness at all."""


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_seeded_selection_is_reproducible(name: str) -> None:
    rows = [CandidateRow(i, (i * 37 % 11) / 10, i % 3, i, 5) for i in range(1, 30)]
    cands = Candidates.from_rows(rows)
    policy = get_policy(name)
    first = policy(cands, random.Random(42), 50)
    assert first == policy(cands, random.Random(42), 50)
    if name not in DETERMINISTIC:
        assert first != policy(cands, random.Random(43), 50)


def test_registry_matches_the_config_choices_and_unknown_names_fail() -> None:
    assert set(POLICIES) == set(get_args(PolicyName))
    with pytest.raises(SelectionError) as info:
        get_policy("worst")
    message = str(info.value)
    assert "'worst'" in message and all(name in message for name in POLICIES)
    assert "\n" not in message


def test_empty_candidates_is_a_clear_error() -> None:
    for name in POLICIES:
        with pytest.raises(SelectionError, match="no evaluated node"):
            get_policy(name)(Candidates.from_rows([]), random.Random(0), 1)


def _evaluated(archive: Archive, parent: int | None, score: float) -> int:
    node = archive.add_node(parent_id=parent, commit_sha="0" * 40)
    archive.update_node(node, score=score)
    archive.set_status(node, NodeStatus.EVALUATED)
    return node


def test_only_evaluated_nodes_are_eligible(archive: Archive) -> None:
    root = _evaluated(archive, None, 0.1)
    child = _evaluated(archive, root, 0.3)
    for status in (NodeStatus.INVALID, NodeStatus.FAILED, NodeStatus.EVALUATING):
        other = archive.add_node(parent_id=root, commit_sha="1" * 40)
        archive.update_node(other, score=1.0)
        archive.set_status(other, status)
    archive.add_node(parent_id=child, commit_sha="2" * 40)
    for name in POLICIES:
        picks = archive.select_parents(random.Random(1), 200, policy=name)
        assert set(picks) <= {root, child}, name
    assert archive.select_parents(random.Random(1), 1, policy="best") == [child]
    assert archive.best_node() is not None and archive.best_node().id == child
    assert archive.graph().best() == child


def test_hgm_pools_descendant_results_into_the_clade(archive: Archive) -> None:
    """A parent with no results of its own but a successful child beats a failing sibling."""
    root = _evaluated(archive, None, 0.0)
    good = _evaluated(archive, root, 0.0)
    bad = _evaluated(archive, root, 0.0)
    grandchild = archive.add_node(parent_id=good, commit_sha="3" * 40)
    for i in range(30):
        archive.record_evaluation(grandchild, stage=0, task_id=f"t{i}", outcome=Outcome.RESOLVED)
        archive.record_evaluation(bad, stage=0, task_id=f"t{i}", outcome=Outcome.TIMEOUT)
    clade = archive.graph().clade(good)
    assert (clade.successes, clade.failures) == (30, 0)
    assert archive.graph().clade(root).successes == 30
    picks = archive.select_parents(random.Random(5), 400, policy="hgm")
    assert picks.count(good) > 0.6 * len(picks) and picks.count(bad) == 0


def test_resumed_rng_continues_the_same_stream(archive: Archive, tmp_path) -> None:
    root = _evaluated(archive, None, 0.4)
    for score in (0.1, 0.7, 0.5, 0.9):
        _evaluated(archive, root, score)
    rng = random.Random(2024)
    before = [archive.select_parents(rng, 3) for _ in range(4)]
    archive.save_rng("selection", rng)
    uninterrupted = [archive.select_parents(rng, 3) for _ in range(6)]
    archive.close()

    with Archive.open(archive.run_dir) as resumed:
        restored = resumed.load_rng("selection")
        assert restored is not None
        assert [resumed.select_parents(restored, 3) for _ in range(6)] == uninterrupted
        assert resumed.load_rng("never-saved") is None
    assert before != uninterrupted[:4]


def test_latest_always_picks_the_newest_eligible_node_whatever_its_score() -> None:
    rows = [CandidateRow(1, 0.9), CandidateRow(4, 0.1), CandidateRow(2, 0.5)]
    assert get_policy("latest")(Candidates.from_rows(rows), random.Random(0), 3) == [4, 4, 4]
    with pytest.raises(SelectionError):
        get_policy("latest")(Candidates.from_rows([]), random.Random(0), 1)
