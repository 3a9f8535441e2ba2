"""Parent selection policies: which eligible nodes get children next.

Every policy has the shape `policy(candidates, rng, n, params) -> list[node_id]`, draws only from
`candidates` (evaluated nodes with a score, see `Candidates`), and takes all its randomness from
`rng`, a `random.Random` whose state the archive persists, so a seeded run is reproducible and a
resumed run continues the same stream. Policies that need many random variates at once (HGM's
Thompson samples) seed a numpy generator from `rng` rather than drawing them one by one.

"children" is the number of children a node has ever had, whatever their fate: a parent whose
children keep failing validation has been explored as much as one whose children succeeded.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np

from godelbox.archive.candidates import Candidates, FloatArray
from godelbox.config import SelectionSection
from godelbox.errors import UserError


class SelectionError(UserError):
    """A policy cannot be used as asked."""


class Policy(Protocol):
    def __call__(self, candidates: Candidates, rng: random.Random, n: int) -> list[int]: ...


PolicyFn = Callable[[Candidates, random.Random, int, SelectionSection], list[int]]


def dgm(candidates: Candidates, rng: random.Random, n: int, params: SelectionSection) -> list[int]:
    """DGM's `score_child_prop`: `s = 1/(1+exp(-k(acc-0.5)))`, `p ∝ s/(1+children)`, drawn with
    replacement. k = `params.dgm_steepness` (10 in DGM)."""
    s = _sigmoid(params.dgm_steepness * (candidates.scores - 0.5))
    return _draw(candidates, s / (1.0 + candidates.children), rng, n)


def score_prop(
    candidates: Candidates, rng: random.Random, n: int, params: SelectionSection
) -> list[int]:
    """`p ∝ score`, with replacement. When every score is 0 all nodes are equally likely
    (DGM divides by zero there)."""
    weights = np.clip(candidates.scores, 0.0, None)
    if not weights.any():
        weights = np.ones(len(candidates))
    return _draw(candidates, weights, rng, n)


def uniform(
    candidates: Candidates, rng: random.Random, n: int, params: SelectionSection
) -> list[int]:
    """Every eligible node equally likely, with replacement (DGM's `random`)."""
    return _draw(candidates, np.ones(len(candidates)), rng, n)


def best(candidates: Candidates, rng: random.Random, n: int, params: SelectionSection) -> list[int]:
    """The n highest-scoring nodes, best first; ties go to the older node (lower id). With fewer
    than n candidates the ranking repeats. Deterministic: `rng` is not used. (DGM's own `best`
    sorted ascending and picked the worst.)"""
    _require(candidates, n)
    if n <= 0:
        return []
    scores, ids = candidates.scores, candidates.ids
    subset = np.arange(len(scores))
    if n < len(scores):
        # Rank only the top n (plus anything tied with the n-th): 40x faster at 100k nodes.
        nth_best = np.partition(scores, len(scores) - n)[len(scores) - n]
        subset = np.flatnonzero(scores >= nth_best)
    order = subset[np.lexsort((ids[subset], -scores[subset]))]
    return [int(ids[i]) for i in np.resize(order, n)]


def shinka_weighted(
    candidates: Candidates, rng: random.Random, n: int, params: SelectionSection
) -> list[int]:
    """ShinkaEvolve's `weighted`: `w = sigmoid(λ(s - median)/MAD) / (1+children)`, with
    replacement, λ = `params.shinka_lambda`. MAD is the median absolute deviation of the scores;
    when it is 0 (most scores equal) the standard deviation is the scale instead, and when that is
    0 too every sigmoid is 1/2, so only the children count matters."""
    scores = candidates.scores
    median = float(np.median(scores)) if len(scores) else 0.0
    scale = shinka_scale(scores, median)
    sig = _sigmoid(params.shinka_lambda * (scores - median) / scale)
    return _draw(candidates, sig / (1.0 + candidates.children), rng, n)


def shinka_scale(scores: FloatArray, median: float) -> float:
    """MAD, else standard deviation, else 1 (see `shinka_weighted`)."""
    if len(scores) == 0:
        return 1.0
    mad = float(np.median(np.abs(scores - median)))
    if mad > 0:
        return mad
    std = float(np.std(scores))
    return std if std > 0 else 1.0


def hgm(candidates: Candidates, rng: random.Random, n: int, params: SelectionSection) -> list[int]:
    """HGM's Thompson sampling over clades: for each draw, sample
    `θ ~ Beta(1 + clade successes, 1 + clade failures)` for every node (its own task results
    pooled with all its descendants') and pick the argmax (ties: lowest id)."""
    _require(candidates, n)
    if n <= 0:
        return []
    gen = np.random.Generator(np.random.PCG64(rng.getrandbits(128)))
    a = 1.0 + candidates.clade_successes
    b = 1.0 + candidates.clade_failures
    picks = [int(np.argmax(gen.beta(a, b))) for _ in range(n)]
    return [int(candidates.ids[i]) for i in picks]


def latest(
    candidates: Candidates, rng: random.Random, n: int, params: SelectionSection
) -> list[int]:
    """The newest eligible node, n times: DGM's "no open-ended exploration" ablation, a single
    hill-climbing line where each child builds on the last one that could be a parent.
    Deterministic: `rng` is not used."""
    _require(candidates, n)
    if n <= 0:
        return []
    return [int(candidates.ids[-1])] * n


POLICIES: Mapping[str, PolicyFn] = {
    "dgm": dgm,
    "score_prop": score_prop,
    "random": uniform,
    "best": best,
    "shinka_weighted": shinka_weighted,
    "hgm": hgm,
    "latest": latest,
}


def get_policy(name: str, params: SelectionSection | None = None) -> Policy:
    """The policy registered as `name`, bound to `params` (defaults when None)."""
    try:
        fn = POLICIES[name]
    except KeyError:
        known = ", ".join(POLICIES)
        raise SelectionError(f"unknown selection policy '{name}'; use one of: {known}") from None
    return functools.partial(fn, params=params or SelectionSection())


def policy_from_config(section: SelectionSection) -> Policy:
    return get_policy(section.policy, section)


def _sigmoid(x: FloatArray) -> FloatArray:
    # exp overflows for very negative x; clipping keeps weights > 0 and finite.
    return 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))


def _require(candidates: Candidates, n: int) -> None:
    if n > 0 and len(candidates) == 0:
        raise SelectionError(
            "no evaluated node to select a parent from; evaluate the root first "
            "(a run whose root failed evaluation cannot evolve)"
        )


def _draw(candidates: Candidates, weights: FloatArray, rng: random.Random, n: int) -> list[int]:
    """n indices with replacement, `p ∝ weights`, one `rng.random()` per draw (as
    `random.choices` does), by bisection on the cumulative weights."""
    _require(candidates, n)
    if n <= 0:
        return []
    cumulative = np.cumsum(weights, dtype=np.float64)
    total = float(cumulative[-1])
    if not math.isfinite(total) or total <= 0:
        raise SelectionError(
            "selection weights are zero or not finite; check the archive's scores "
            "(`godelbox archive ls --sort score`)"
        )
    points = np.array([rng.random() * total for _ in range(n)])
    picks = np.minimum(np.searchsorted(cumulative, points, side="right"), len(cumulative) - 1)
    return [int(candidates.ids[i]) for i in picks]
